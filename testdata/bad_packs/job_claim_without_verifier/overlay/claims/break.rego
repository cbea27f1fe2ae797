package claimgate.claims

import data.claimgate.requirements as req

# The job claim without a passing verifier decision.
allow contains "job.ran_under_policy" if {
	req.workload_digest
	req.runtime_bound_to_job
	req.output_digest
}
