package claimgate.claims

allow contains "capacity.benchmark_context" if {
	r0 == 1
}
