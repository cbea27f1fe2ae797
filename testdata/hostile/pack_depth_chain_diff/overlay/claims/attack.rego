package claimgate.claims

allow contains "capacity.benchmark_context" if {
	f0(1) == 1
}
