package claimgate.verifier.gpu_tee_policy_v3_test

import data.claimgate.verifier.gpu_tee_policy_v3 as p

now := 1764000000

digest_a := {"state": "valid", "value": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hex": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}

digest_b := {"state": "valid", "value": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "hex": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}

good := {
	"source": "att",
	"issued_at": {"unix": now - 60, "rfc3339": "2025-11-24T15:59:00Z"},
	"expires_at": {"unix": now + 3600, "rfc3339": "2025-11-24T17:00:00Z"},
	"nonce": {"state": "absent"},
	"report_data": {"state": "absent"},
	"workload_digest": {"state": "absent"},
	"debug_enabled": false,
	"measurements": [{"name": "vbios", "value": digest_a, "reference": digest_a}],
	"measurement_result": "unknown",
	"checks": [],
	"signature": "absent",
	"signed_kind": false,
}

upstream := object.union(good, {"measurements": [], "measurement_result": "matched", "checks": [{"name": "x-nvidia-gpu-arch-check", "state": "passed"}]})

base := {
	"evaluated_at": {"unix": now, "rfc3339": "2025-11-24T16:00:00Z"},
	"expected_nonce": {"state": "absent"},
	"signatures_checked": false,
	"job": {"workload_digest": {"state": "absent"}},
	"verifier": {"decisions": []},
}

with_att(a) := object.union(base, {"runtime": {"attestations": [a]}})

expecting(a, n) := object.union(with_att(a), {"expected_nonce": {"state": "valid", "hex": n}})

test_sound_attestation_passes if {
	p.decision.status == "pass" with input as with_att(good)
}

test_no_attestation_is_no_decision if {
	not p.decision with input as object.union(base, {"runtime": {"attestations": []}})
}

test_measurement_mismatch_rejects if {
	bad := object.union(good, {"measurements": [{"name": "vbios", "value": digest_a, "reference": digest_b}]})
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
	d := p.decision with input as with_att(object.union(good, {"expires_at": {"unix": now - 1, "rfc3339": "x"}}))
	d.status == "hold"
	contains(d.reason, "stale")
}

test_too_old_holds if {
	p.decision.status == "hold" with input as with_att(object.union(good, {"issued_at": {"unix": now - 90000, "rfc3339": "x"}}))
}

test_missing_reference_holds if {
	m := {"name": "vbios", "value": digest_a, "reference": {"state": "absent"}}
	p.decision.status == "hold" with input as with_att(object.union(good, {"measurements": [m]}))
}

test_no_measurements_holds if {
	no_meas := object.union(good, {"measurements": [], "measurement_result": "unknown"})
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
	p.decision.status == "reject" with input as with_att(object.union(good, {"nonce": {"state": "malformed", "raw": "zz"}}))
}

test_nonce_mismatch_rejects if {
	bad := object.union(good, {"nonce": {"state": "valid", "hex": "ff"}})
	p.decision.status == "reject" with input as expecting(bad, "00112233445566778899aabbccddeeff")
}

test_reject_outranks_hold if {
	both := object.union(good, {"debug_enabled": true, "expires_at": {"unix": now - 1, "rfc3339": "x"}})
	p.decision.status == "reject" with input as with_att(both)
}

test_a_switch_alone_makes_no_pass if {
	not p.decision with input as object.union(base, {"runtime": {"attestations": [], "switches": [upstream]}})
}

test_a_failed_switch_check_rejects_beside_a_sound_gpu if {
	sw := object.union(upstream, {"source": "sw", "checks": [{"name": "x-nvidia-switch-arch-check", "state": "failed"}]})
	d := p.decision with input as object.union(base, {"runtime": {"attestations": [good], "switches": [sw]}})
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

token := {"source": "overall", "status": "pass", "token": {"signature": "unverified", "nonce": {"state": "valid", "hex": "ff"}}}

with_token(t, n) := object.union(expecting(object.union(good, {"nonce": {"state": "valid", "hex": n}}), n), {"verifier": {"decisions": [t]}})

test_a_recorded_token_with_another_nonce_rejects if {
	d := p.decision with input as with_token(token, "00112233445566778899aabbccddeeff")
	d.status == "reject"
	contains(d.reason, "eat_nonce differs")
}

test_a_recorded_token_no_trusted_key_vouches_for_holds if {
	t := json.patch(token, [{"op": "replace", "path": "/token/nonce", "value": {"state": "valid", "hex": "00112233445566778899aabbccddeeff"}}])
	inp := with_token(t, "00112233445566778899aabbccddeeff")
	p.decision.status == "pass" with input as inp
	p.decision.status == "hold" with input as object.union(inp, {"signatures_checked": true})
}
