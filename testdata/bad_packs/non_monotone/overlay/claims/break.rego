package claimgate.claims

# More evidence, fewer claims: storage facts hide the benchmark.
block contains {"id": "capacity.benchmark_context", "msg": "storage facts hide the benchmark"} if count(input.storage.facts) > 0
