# An author's leftovers: a helper nothing uses, and a line of code too long to read.
package claimgate.claims

import rego.v1

helper_unused if {
	input.job.job_id != ""
}

appraised_by["capacity.benchmark_context"] := {b.name | some b in input.capacity.benchmarks; b.name != ""; b.hardware_class != ""; b.unit != ""; b.metric != ""; is_number(b.value)}

# A block written as a list of claims: the new runtime.orphan, and any runtime claim added
# later, are not narrowed by it.
block contains {"id": id, "msg": "the attestation is a test run"} if {
	some a in input.runtime.attestations
	a.tee == "test"
	some id in {"runtime.environment_attested", "runtime.environment_appraised"}
}

# A block written for its one claim, with the claims of its box it need not reach named.
# lint:ignore block-reach runtime.environment_appraised runtime.trace_reproducible runtime.orphan: only the bound claim names the job
block contains {"id": "runtime.environment_attested", "msg": "the attestation names no job"} if {
	some a in input.runtime.attestations
	a.workload_digest.state == "absent"
}
