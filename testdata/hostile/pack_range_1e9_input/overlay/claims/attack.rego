package claimgate.claims

allow contains "capacity.benchmark_context" if {
	count(numbers.range(1, 1e9 + count(input.runtime.attestations))) > 0
}
