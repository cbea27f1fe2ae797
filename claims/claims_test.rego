package claimgate.claims_test

import data.claimgate.claims

valid := {"state": "valid", "value": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}

sound_att := {
	"source": "att",
	"freshness": "fresh",
	"measurements_matched": true,
	"checks_passed": true,
	"debug_enabled": false,
	"nonce": "not_expected",
	"bound_to_job": true,
	"evidence_digest": valid,
}

full := {
	"job": {
		"workload_digest": valid,
		"input_commitment": valid,
		"output_digest": valid,
		"output_verified": null,
	},
	"runtime": {"attestations": [sound_att], "traces": []},
	"verifier": {"releases": []},
	"capacity": {"benchmarks": []},
	"storage": {"facts": []},
	"decisions": [{"policy_id": "gpu_tee_policy_v3", "status": "pass"}],
}

test_full_pass_allows_job_claim if {
	"job.ran_under_policy" in claims.allow with input as full
	"runtime.environment_attested" in claims.allow with input as full
}

test_no_output_digest_blocks_job_claim if {
	inp := json.patch(full, [{"op": "replace", "path": "/job/output_digest", "value": {"state": "absent"}}])
	not "job.ran_under_policy" in claims.allow with input as inp
	"runtime.environment_attested" in claims.allow with input as inp
}

test_placeholder_output_digest_derives_nothing if {
	inp := json.patch(full, [{"op": "replace", "path": "/job/output_digest", "value": {"state": "malformed", "raw": "sha256:result_bundle"}}])
	not "job.output_bound" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
}

test_denial_still_exercises_the_path if {
	inp := json.patch(full, [{"op": "add", "path": "/decisions/-", "value": {"policy_id": "kbs", "status": "reject"}}])
	"verifier.path_exercised" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
	not "runtime.environment_attested" in claims.allow with input as inp
}

test_benchmark_alone_is_capacity_context_only if {
	inp := {
		"job": {"workload_digest": {"state": "absent"}, "output_digest": {"state": "absent"}, "input_commitment": {"state": "absent"}},
		"runtime": {"attestations": [], "traces": []},
		"verifier": {"releases": []},
		"capacity": {"benchmarks": [{"name": "b"}]},
		"storage": {"facts": []},
		"decisions": [],
	}
	claims.allow == {"capacity.benchmark_context"} with input as inp
}

test_malformed_input_commitment_blocks_job_claims if {
	inp := json.patch(full, [{"op": "replace", "path": "/job/input_commitment", "value": {"state": "malformed", "raw": "sha256:inputs"}}])
	ids := {b.id | some b in claims.block} with input as inp
	ids == {"job.ran_under_policy", "job.output_bound"}
}

test_backup_needs_a_valid_digest if {
	fact := {"backup": {"location": "s3://b/x", "digest": {"state": "malformed"}}}
	inp := json.patch(full, [{"op": "replace", "path": "/storage/facts", "value": [fact]}])
	not "storage.backup_shown" in claims.allow with input as inp
	"storage.provider_local" in claims.allow with input as inp
}

test_a_failed_verifier_check_unsounds_the_attestation if {
	inp := json.patch(full, [{"op": "replace", "path": "/runtime/attestations/0/checks_passed", "value": false}])
	not "runtime.environment_attested" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
}

other := {"state": "valid", "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}

test_a_bound_attestation_speaks_for_this_job if {
	"runtime.environment_attested" in claims.allow with input as full
	"runtime.environment_appraised" in claims.allow with input as full
}

test_an_unbound_attestation_speaks_for_its_environment_only if {
	inp := json.patch(full, [{"op": "replace", "path": "/runtime/attestations/0/bound_to_job", "value": false}])
	not "runtime.environment_attested" in claims.allow with input as inp
	"runtime.environment_appraised" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
}

test_no_job_workload_digest_is_unbound if {
	inp := json.patch(full, [{"op": "replace", "path": "/job/workload_digest", "value": {"state": "absent"}}])
	not "runtime.environment_attested" in claims.allow with input as inp
	"runtime.environment_appraised" in claims.allow with input as inp
}

test_another_workloads_attestation_backs_no_runtime_or_job_claim if {
	inp := json.patch(full, [
		{"op": "replace", "path": "/runtime/attestations/0/bound_to_job", "value": false},
		{"op": "add", "path": "/runtime/attestations/0/workload_digest", "value": other},
	])
	allowed := claims.allow with input as inp
	not "runtime.environment_attested" in allowed
	not "runtime.environment_appraised" in allowed
	not "job.ran_under_policy" in allowed
}
