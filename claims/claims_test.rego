package claimgate.claims_test

import data.claimgate.claims

now := 1764000000

hex_a := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

valid := {"state": "valid", "value": concat("", ["sha256:", hex_a]), "algorithm": "sha256", "hex": hex_a}

sound_att := {
	"source": "att",
	"verifier": "nvidia-nras",
	"verifier_is_identifier": true,
	"issued_at": {"unix": now - 60, "rfc3339": "x"},
	"expires_at": {"unix": now + 3600, "rfc3339": "y"},
	"nonce": {"state": "absent"},
	"report_data": {"state": "absent"},
	"measurements": [],
	"measurement_result": "matched",
	"checks": [],
	"debug_enabled": false,
	"workload_digest": valid,
	"evidence_digest": valid,
	"signature": "absent",
	"signed_kind": false,
}

full := {
	"evaluated_at": {"unix": now, "rfc3339": "2025-11-24T16:00:00Z"},
	"expected_nonce": {"state": "absent"},
	"signatures_checked": false,
	"job": {
		"workload_digest": valid,
		"input_commitment": valid,
		"output_digest": valid,
		"output_verified": null,
	},
	"runtime": {"attestations": [sound_att], "traces": []},
	"verifier": {"releases": [], "decisions": []},
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
	inp := object.union(full, {
		"job": {"workload_digest": {"state": "absent"}, "output_digest": {"state": "absent"}, "input_commitment": {"state": "absent"}},
		"runtime": {"attestations": [], "traces": []},
		"capacity": {"benchmarks": [{"name": "b"}]},
		"decisions": [],
	})
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
	inp := json.patch(full, [{"op": "replace", "path": "/runtime/attestations/0/checks", "value": [{"name": "x", "state": "failed"}]}])
	not "runtime.environment_attested" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
}

other := {"state": "valid", "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "hex": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}

test_a_bound_attestation_speaks_for_this_job if {
	"runtime.environment_attested" in claims.allow with input as full
	"runtime.environment_appraised" in claims.allow with input as full
}

test_an_unbound_attestation_speaks_for_its_environment_only if {
	inp := json.patch(full, [{"op": "replace", "path": "/runtime/attestations/0/workload_digest", "value": {"state": "absent"}}])
	not "runtime.environment_attested" in claims.allow with input as inp
	"runtime.environment_appraised" in claims.allow with input as inp
	not "job.ran_under_policy" in claims.allow with input as inp
}

test_no_job_workload_digest_is_unbound if {
	inp := json.patch(full, [
		{"op": "replace", "path": "/job/workload_digest", "value": {"state": "absent"}},
		{"op": "replace", "path": "/runtime/attestations/0/workload_digest", "value": {"state": "absent"}},
	])
	not "runtime.environment_attested" in claims.allow with input as inp
	"runtime.environment_appraised" in claims.allow with input as inp
}

test_another_workloads_attestation_backs_no_runtime_or_job_claim if {
	inp := json.patch(full, [
		{"op": "replace", "path": "/runtime/attestations/0/workload_digest", "value": other},
	])
	allowed := claims.allow with input as inp
	not "runtime.environment_attested" in allowed
	not "runtime.environment_appraised" in allowed
	not "job.ran_under_policy" in allowed
}
