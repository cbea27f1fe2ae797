package claimgate.claims

allow contains "runtime.trace_reproducible" if +
