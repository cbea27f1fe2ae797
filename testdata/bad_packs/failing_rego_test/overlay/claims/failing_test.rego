package claimgate.claims_test

import data.claimgate.claims

test_benchmark_alone_is_not_a_job_claim if {
	claims.allow == {"job.output_bound"} with input as {"capacity": {"benchmarks": [{"name": "b"}]}}
}
