package claimgate.claims

# A benchmark in the capacity box moves a claim of the job box.
block contains {"id": "job.output_bound", "msg": "a benchmark is present"} if count(input.capacity.benchmarks) > 0
