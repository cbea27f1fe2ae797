# Claim-narrowing rules: which catalog claims the evidence supports (`allow`) and reasons that
# block a claim even when it is allowed (`block`). Input: claimgate.evidence/v1 plus
# `input.decisions`, every verifier decision (recorded in the bundle and made by the pack).
#
# The catalog guard re-checks each claim's `requires` in Rust, so a rule here can only narrow
# what the evidence supports, never widen it.
package claimgate.claims

decisions := input.decisions

# Statuses combine as the worst: a single reject or hold is not a pass.
verifier_pass if {
	count(decisions) > 0
	every d in decisions {
		d.status == "pass"
	}
}

# An attestation that names a workload digest other than the job's (or the job names none) is
# about another workload: it is not sound for this job and backs nothing. Not requiring the job's
# digest keeps the rules monotone; it blocks no other evidence, so removing it allows nothing new.
other_workload(a) if {
	a.workload_digest.state == "valid"
	a.bound_to_job != true
}

sound(a) if {
	not other_workload(a)
	a.freshness == "fresh"
	a.measurements_matched == true
	a.checks_passed == true
	a.debug_enabled == false
	a.nonce in {"not_expected", "matched"}
}

runtime_attested if {
	some a in input.runtime.attestations
	sound(a)
	verifier_pass
}

# "This job's runtime" needs the attestation itself to name this job's workload digest.
runtime_attested_for_job if {
	input.job.workload_digest.state == "valid"
	some a in input.runtime.attestations
	sound(a)
	a.bound_to_job == true
	verifier_pass
}

trace_matched if {
	some t in input.runtime.traces
	t.replay == "matched"
}

runtime_bound if {
	some a in input.runtime.attestations
	sound(a)
	a.bound_to_job == true
	verifier_pass
}

runtime_bound if {
	some t in input.runtime.traces
	t.replay == "matched"
	t.bound_to_job == true
}

output_ok if {
	input.job.output_digest.state == "valid"
	input.job.output_verified != false
}

allow contains "capacity.benchmark_context" if count(input.capacity.benchmarks) > 0

allow contains "runtime.environment_attested" if runtime_attested_for_job

allow contains "runtime.environment_appraised" if runtime_attested

allow contains "runtime.trace_reproducible" if trace_matched

allow contains "job.output_bound" if output_ok

allow contains "job.ran_under_policy" if {
	input.job.workload_digest.state == "valid"
	verifier_pass
	runtime_bound
	output_ok
}

# A denial is evidence too: any recorded decision shows the path was exercised.
allow contains "verifier.path_exercised" if count(decisions) > 0

allow contains "verifier.secret_released" if {
	some r in input.verifier.releases
	r.released == true
	some d in decisions
	d.policy_id == r.policy_id
	d.status == "pass"
	verifier_pass
}

allow contains "storage.provider_local" if count(input.storage.facts) > 0

allow contains "storage.backup_shown" if {
	some s in input.storage.facts
	s.backup.digest.state == "valid"
}

# Narrowing: malformed evidence in the job box taints every job claim.
block contains {"id": id, "msg": sprintf("the input commitment `%s` is malformed", [input.job.input_commitment.raw])} if {
	input.job.input_commitment.state == "malformed"
	some id in {"job.ran_under_policy", "job.output_bound"}
}

# Narrowing: a runtime claim needs the appraised evidence itself to be named by a digest.
block contains {"id": id, "msg": sprintf("attestation `%s` names its evidence by a malformed digest", [a.source])} if {
	some a in input.runtime.attestations
	a.evidence_digest.state == "malformed"
	some id in {"runtime.environment_attested", "runtime.environment_appraised"}
}

block contains {"id": "job.ran_under_policy", "msg": sprintf("attestation `%s` names its evidence by a malformed digest", [a.source])} if {
	some a in input.runtime.attestations
	a.evidence_digest.state == "malformed"
}
