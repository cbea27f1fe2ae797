package claimgate.claims

allow contains "capacity.benchmark_context" if {
	rand.intn("cell", 2) == 0
}
