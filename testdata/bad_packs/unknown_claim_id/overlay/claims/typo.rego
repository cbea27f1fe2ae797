package claimgate.claims

allow contains "runtime.trace_reproducable" if true
