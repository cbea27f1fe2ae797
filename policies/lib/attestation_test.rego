package claimgate.lib.attestation_test

import data.claimgate.lib.attestation as att

now := 1764000000

job := {"state": "valid", "value": concat("", ["sha256:", hex_a]), "algorithm": "sha256", "hex": hex_a}

hex_a := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

nonce := "00112233445566778899aabbccddeeff"

base := {
	"evaluated_at": {"unix": now, "rfc3339": "2025-11-24T16:00:00Z"},
	"expected_nonce": {"state": "absent"},
	"signatures_checked": false,
	"job": {"workload_digest": job},
}

expecting(n) := object.union(base, {"expected_nonce": {"state": "valid", "hex": n}})

result := {
	"source": "att",
	"issued_at": {"unix": now - 60, "rfc3339": "x"},
	"expires_at": {"unix": now + 3600, "rfc3339": "y"},
	"nonce": {"state": "absent"},
	"report_data": {"state": "absent"},
	"workload_digest": {"state": "absent"},
	"measurements": [],
	"measurement_result": "unknown",
	"checks": [],
	"signature": "absent",
	"signed_kind": false,
}

# The judgments of `input.r`. Tests read them through this rule, `j with input as ...`: regorus
# evaluates a function of another package called directly under `with input` as undefined.
j := {
	"freshness": att.freshness(input.r),
	"fresh": fresh,
	"nonce": att.nonce_state(input.r),
	"measurements": att.measurements(input.r),
	"bound": bound,
	"other": other,
	"failed": att.failed_checks(input.r),
}

fresh := true if att.fresh(input.r) else := false

bound := true if att.bound_to_job(input.r) else := false

other := true if att.other_workload(input.r) else := false

test_fresh_within_issue_and_expiry if {
	v1 := j with input as object.union(base, {"r": result})
	v1.fresh
}

test_expired_not_yet_valid_and_undated if {
	v2 := j with input as object.union(base, {"r": object.union(result, {"expires_at": {"unix": now}})})
	v2.freshness == "expired"
	v3 := j with input as object.union(base, {"r": object.union(result, {"issued_at": {"unix": now + 1}})})
	v3.freshness == "not_yet_valid"
	v4 := j with input as object.union(base, {"r": object.union(result, {"expires_at": null})})
	v4.freshness == "unknown"
	v5 := j with input as object.union(base, {"r": object.union(result, {"issued_at": null})})
	v5.freshness == "unknown"
}

test_a_result_older_than_the_max_age_is_not_fresh if {
	old := j with input as object.union(base, {"r": object.union(result, {"issued_at": {"unix": now - 90000}, "expires_at": {"unix": now + 10}})})
	old.freshness == "fresh"
	not old.fresh
}

test_nonce_states if {
	v6 := j with input as object.union(base, {"r": result})
	v6.nonce == "not_expected"
	v7 := j with input as object.union(expecting(nonce), {"r": result})
	v7.nonce == "missing"
	v8 := j with input as object.union(expecting(nonce), {"r": object.union(result, {"nonce": {"state": "valid", "hex": nonce}})})
	v8.nonce == "matched"
	v9 := j with input as object.union(expecting(nonce), {"r": object.union(result, {"nonce": {"state": "valid", "hex": "ff"}})})
	v9.nonce == "mismatched"
	v10 := j with input as object.union(base, {"r": object.union(result, {"nonce": {"state": "malformed", "raw": "zz"}})})
	v10.nonce == "malformed"
	v11 := j with input as object.union(object.union(base, {"expected_nonce": {"state": "malformed", "raw": "zz"}}), {"r": result})
	v11.nonce == "malformed"
}

test_report_data_prefix_matches_a_long_nonce_only if {
	r := object.union(result, {"report_data": {"state": "valid", "hex": concat("", [nonce, "99"])}})
	v12 := j with input as object.union(expecting(nonce), {"r": r})
	v12.nonce == "matched"
	v13 := j with input as object.union(expecting("0011"), {"r": r})
	v13.nonce == "missing"
}

test_measurements_compared_here_or_reported if {
	m := {"name": "vbios", "value": job, "reference": job}
	v14 := j with input as object.union(base, {"r": object.union(result, {"measurements": [m]})})
	v14.measurements == "matched"
	ref_b := {"state": "valid", "hex": "bb"}
	v15 := j with input as object.union(base, {"r": object.union(result, {"measurements": [{"name": "vbios", "value": job, "reference": ref_b}]})})
	v15.measurements == "mismatched"
	v16 := j with input as object.union(base, {"r": object.union(result, {"measurements": [{"name": "vbios", "value": job, "reference": {"state": "absent"}}]})})
	v16.measurements == "unknown"
	v17 := j with input as object.union(base, {"r": object.union(result, {"measurements": [], "measurement_result": "matched"})})
	v17.measurements == "matched"
}

test_binding_by_digest_or_report_data if {
	v18 := j with input as object.union(base, {"r": object.union(result, {"workload_digest": job})})
	v18.bound
	v19 := j with input as object.union(base, {"r": object.union(result, {"report_data": {"state": "valid", "hex": concat("", [hex_a, "00"])}})})
	v19.bound
	v20 := j with input as object.union(base, {"r": result})
	not v20.bound
	v21 := j with input as object.union(base, {"r": object.union(result, {"workload_digest": {"state": "valid", "hex": "bb"}})})
	v21.other
	v22 := j with input as object.union(base, {"r": result})
	not v22.other
}

test_unvouched_signature_fails_closed_only_when_keys_are_given if {
	signed := object.union(result, {"signed_kind": true, "signature": "unverified", "checks": []})
	v23 := j with input as object.union(base, {"r": signed})
	v23.failed == []
	v24 := j with input as object.union(object.union(base, {"signatures_checked": true}), {"r": signed})
	v24.failed == ["jws signature"]
}
