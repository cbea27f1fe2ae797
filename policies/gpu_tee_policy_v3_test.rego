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
	"measurements_matched": true,
}

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
	p.decision.status == "hold" with input as with_att(object.union(good, {"measurements": []}))
}

test_nonce_mismatch_rejects if {
	p.decision.status == "reject" with input as with_att(object.union(good, {"nonce": "mismatched"}))
}

test_reject_outranks_hold if {
	both := object.union(good, {"debug_enabled": true, "freshness": "expired"})
	p.decision.status == "reject" with input as with_att(both)
}
