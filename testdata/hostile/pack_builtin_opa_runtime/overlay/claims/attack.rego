package claimgate.claims

env := opa.runtime().env
