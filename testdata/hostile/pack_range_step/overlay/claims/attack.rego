package claimgate.claims

steps := count(numbers.range_step(0, 9000000000000000000, 1000))

allow contains "capacity.benchmark_context" if {
	steps > 0
}
