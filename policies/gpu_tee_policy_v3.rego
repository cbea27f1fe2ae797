# Verifier policy gpu_tee_policy_v3: decides pass, hold or reject on a GPU TEE job's
# attestation results. Input: the normalized evidence document (claimgate.evidence/v1).
#
# reject: the evidence shows the runtime is not the expected one (measurement mismatch, a
#         failed verifier check, debug on, nonce mismatch or malformed nonce).
# hold:   the evidence cannot be judged now (stale, not-yet-valid or undated result, no
#         reference value, an absent verifier check, unknown debug state, missing nonce), or
#         the verifier itself only rated it at AR4SI warning or none tier (not contradicted):
#         re-attest or supply what is missing. Missing is unknown, never a pass.
# pass:   at least one attestation result and nothing to reject or hold. The reason says what
#         the match rests on: reference values this policy compared (measurements with their
#         references in the document), or the verifier's own report that they matched.
# No attestation result: no decision (undefined), which never counts as a pass.
package claimgate.verifier.gpu_tee_policy_v3

# Oldest attestation result accepted, in seconds, whatever its own expiry allows.
max_age_seconds := 86400

attestations := input.runtime.attestations

# The verifier rated the appraisal below affirming but did not contradict it (AR4SI warning or
# none): what it flags is held, not rejected.
not_contradicted(a) if a.tier in {"warning", "none"}

# Measurements this policy compares with their reference values itself.
compared(a) if count(a.measurements) > 0

reject_reasons contains sprintf("%s: measurement %s does not match its reference value", [a.source, m.name]) if {
	some a in attestations
	some m in a.measurements
	m.value.state == "valid"
	m.reference.state == "valid"
	m.value.value != m.reference.value
}

reject_reasons contains sprintf("%s: measurement %s is malformed", [a.source, m.name]) if {
	some a in attestations
	some m in a.measurements
	m.value.state == "malformed"
}

reject_reasons contains sprintf("%s: the verifier reports measurements not matched", [a.source]) if {
	some a in attestations
	a.measurement_result == "mismatched"
	count(a.measurements) == 0
	not not_contradicted(a)
}

reject_reasons contains sprintf("%s: verifier check %s failed", [a.source, c.name]) if {
	some a in attestations
	some c in a.checks
	c.state == "failed"
	not not_contradicted(a)
}

reject_reasons contains sprintf("%s: debug mode is enabled", [a.source]) if {
	some a in attestations
	a.debug_enabled == true
}

reject_reasons contains sprintf("%s: nonce differs: expected %v, the evidence carries %v", [a.source, object.get(input, "expected_nonce", null), object.get(a, "nonce_value", null)]) if {
	some a in attestations
	a.nonce == "mismatched"
}

reject_reasons contains sprintf("%s: a nonce is malformed (not hex)", [a.source]) if {
	some a in attestations
	a.nonce == "malformed"
}

# An NVSwitch attests the NVLink fabric, not the TEE: it never makes a pass, but a switch its
# verifier failed contradicts the platform the job ran on.
switches := object.get(input.runtime, "switches", [])

reject_reasons contains sprintf("%s: switch check %s failed", [s.source, c.name]) if {
	some s in switches
	some c in s.checks
	c.state == "failed"
}

reject_reasons contains sprintf("%s: the verifier reports switch measurements not matched", [s.source]) if {
	some s in switches
	s.measurement_result == "mismatched"
}

hold_reasons contains sprintf("%s: result is stale (freshness %s)", [a.source, a.freshness]) if {
	some a in attestations
	a.freshness != "fresh"
}

hold_reasons contains sprintf("%s: result is older than %d seconds", [a.source, max_age_seconds]) if {
	some a in attestations
	a.age_seconds > max_age_seconds
}

hold_reasons contains sprintf("%s: the verifier rates the measurements %s tier, not affirming", [a.source, a.tier]) if {
	some a in attestations
	a.measurement_result == "mismatched"
	count(a.measurements) == 0
	not_contradicted(a)
}

hold_reasons contains sprintf("%s: verifier check %s is at %s tier, not affirming", [a.source, c.name, a.tier]) if {
	some a in attestations
	some c in a.checks
	c.state == "failed"
	not_contradicted(a)
}

hold_reasons contains sprintf("%s: measurements not compared with reference values", [a.source]) if {
	some a in attestations
	a.measurement_result == "unknown"
	count(a.measurements) == 0
}

hold_reasons contains sprintf("%s: verifier check %s is absent (unknown)", [a.source, c.name]) if {
	some a in attestations
	some c in a.checks
	c.state == "unknown"
}

hold_reasons contains sprintf("%s: measurement %s has no usable reference value", [a.source, m.name]) if {
	some a in attestations
	some m in a.measurements
	m.reference.state != "valid"
}

hold_reasons contains sprintf("%s: debug state unknown", [a.source]) if {
	some a in attestations
	a.debug_enabled == null
}

hold_reasons contains sprintf("%s: expected nonce missing from the evidence", [a.source]) if {
	some a in attestations
	a.nonce == "missing"
}

decision := {"status": "reject", "reason": concat("; ", sort(reject_reasons))} if {
	count(reject_reasons) > 0
} else := {"status": "hold", "reason": concat("; ", sort(hold_reasons))} if {
	count(hold_reasons) > 0
} else := {"status": "pass", "reason": pass_reason} if {
	count(attestations) > 0
}

pass_reason := "reference values matched, fresh, debug disabled" if {
	every a in attestations {
		compared(a)
	}
} else := "the verifier reports measurements matched (this policy compared no reference values), fresh, debug disabled" if {
	every a in attestations {
		not compared(a)
	}
} else := "reference values matched where the results carry them, elsewhere the verifier reports measurements matched; fresh, debug disabled"
