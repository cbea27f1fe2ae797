package claimgate.claims

allow contains "capacity.benchmark_context" if 1 / (count(input.capacity.benchmarks) - 1) > 0
