package claimgate.claims

big := count(numbers.range(1, 1e8))

allow contains "capacity.benchmark_context" if {
	big > 0
}
