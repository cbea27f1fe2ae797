package claimgate.verifier.gpu_tee_policy_v3_test

import data.claimgate.verifier.gpu_tee_policy_v3 as p

digest_a := {"state": "valid", "value": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}

digest_b := {"state": "valid", "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}

good := {
	"source": "att",
	"freshness": "fresh",
	"age_seconds": 60,
	"nonce": "not_expected",
	"debug_enabled": false,
	"measurements": [{"name": "vbios", "value": digest_a, "reference": digest_a, "matched": true}],
	"measurement_result": "matched",
	"measurements_matched": true,
	"checks": [],
}

upstream := object.union(good, {"measurements": [], "checks": [{"name": "x-nvidia-gpu-arch-check", "state": "passed"}]})

with_att(a) := {"runtime": {"attestations": [a]}}

test_sound_attestation_passes if {
	p.decision.status == "pass" with input as with_att(good)
}

test_no_attestation_is_no_decision if {
	not p.decision with input as {"runtime": {"attestations": []}}
}

test_measurement_mismatch_rejects if {
	bad := object.union(good, {"measurements": [{"name": "vbios", "value": digest_a, "reference": digest_b, "matched": false}]})
	d := p.decision with input as with_att(bad)
	d.status == "reject"
	contains(d.reason, "vbios does not match")
}

test_debug_enabled_rejects if {
	p.decision.status == "reject" with input as with_att(object.union(good, {"debug_enabled": true}))
}

test_debug_unknown_holds if {
	p.decision.status == "hold" with input as with_att(object.union(good, {"debug_enabled": null}))
}

test_stale_holds if {
	d := p.decision with input as with_att(object.union(good, {"freshness": "expired"}))
	d.status == "hold"
	contains(d.reason, "stale")
}

test_too_old_holds if {
	p.decision.status == "hold" with input as with_att(object.union(good, {"age_seconds": 90000}))
}

test_missing_reference_holds if {
	m := {"name": "vbios", "value": digest_a, "reference": {"state": "absent"}, "matched": false}
	p.decision.status == "hold" with input as with_att(object.union(good, {"measurements": [m]}))
}

test_no_measurements_holds if {
	no_meas := object.union(good, {"measurements": [], "measurement_result": "unknown", "measurements_matched": false})
	p.decision.status == "hold" with input as with_att(no_meas)
}

test_upstream_measres_success_passes if {
	p.decision.status == "pass" with input as with_att(upstream)
}

test_upstream_measres_failure_rejects if {
	p.decision.status == "reject" with input as with_att(object.union(upstream, {"measurement_result": "mismatched"}))
}

test_failed_check_rejects if {
	failed := object.union(upstream, {"checks": [{"name": "x-nvidia-gpu-arch-check", "state": "failed"}]})
	d := p.decision with input as with_att(failed)
	d.status == "reject"
	contains(d.reason, "x-nvidia-gpu-arch-check failed")
}

test_absent_check_holds if {
	absent := object.union(upstream, {"checks": [{"name": "ocsp-nonce-matches", "state": "unknown"}]})
	p.decision.status == "hold" with input as with_att(absent)
}

test_malformed_nonce_rejects if {
	p.decision.status == "reject" with input as with_att(object.union(good, {"nonce": "malformed"}))
}

test_nonce_mismatch_rejects if {
	p.decision.status == "reject" with input as with_att(object.union(good, {"nonce": "mismatched"}))
}

test_reject_outranks_hold if {
	both := object.union(good, {"debug_enabled": true, "freshness": "expired"})
	p.decision.status == "reject" with input as with_att(both)
}

test_a_switch_alone_makes_no_pass if {
	not p.decision with input as {"runtime": {"attestations": [], "switches": [upstream]}}
}

test_a_failed_switch_check_rejects_beside_a_sound_gpu if {
	sw := object.union(upstream, {"source": "sw", "checks": [{"name": "x-nvidia-switch-arch-check", "state": "failed"}]})
	d := p.decision with input as {"runtime": {"attestations": [good], "switches": [sw]}}
	d.status == "reject"
	contains(d.reason, "switch check x-nvidia-switch-arch-check failed")
}

test_pass_reason_says_reference_values_matched_only_when_compared if {
	d := p.decision with input as with_att(good)
	d.reason == "reference values matched, fresh, debug disabled"
	u := p.decision with input as with_att(upstream)
	u.status == "pass"
	not contains(u.reason, "reference values matched")
	contains(u.reason, "the verifier reports measurements matched")
}

test_warning_tier_holds_what_it_flags if {
	warned := object.union(upstream, {
		"tier": "warning",
		"measurement_result": "mismatched",
		"checks": [{"name": "ear.trustworthiness-vector.executables", "state": "failed"}],
	})
	d := p.decision with input as with_att(warned)
	d.status == "hold"
	contains(d.reason, "warning tier")
}

test_contraindicated_tier_still_rejects if {
	bad := object.union(upstream, {
		"tier": "contraindicated",
		"measurement_result": "mismatched",
		"checks": [{"name": "ear.trustworthiness-vector.hardware", "state": "failed"}],
	})
	p.decision.status == "reject" with input as with_att(bad)
}

test_warning_tier_with_debug_on_still_rejects if {
	warned := object.union(upstream, {"tier": "warning", "debug_enabled": true})
	p.decision.status == "reject" with input as with_att(warned)
}
