# Verifier policy gpu_tee_policy_v3: decides pass, hold or reject on a GPU TEE job's
# attestation results. Input: the normalized evidence document (claimgate.evidence/v2). What
# the facts mean (fresh, nonce matched, measurements matched, debug state) is judged once, in
# data.claimgate.lib.attestation; this policy decides what follows from those judgments.
#
# reject: the evidence shows the runtime is not the expected one (measurement mismatch, a
#         failed verifier check, debug on, nonce mismatch or malformed nonce, or a recorded
#         verdict's token carries a different or malformed nonce).
# hold:   the evidence cannot be judged now (stale, not-yet-valid or undated result, no
#         reference value, an absent verifier check, unknown debug state, missing nonce, a
#         recorded verdict no trusted key vouches for when keys were given), or the verifier
#         itself only rated it at AR4SI warning or none tier (not contradicted):
#         re-attest or supply what is missing. Missing is unknown, never a pass.
# pass:   at least one attestation result and nothing to reject or hold. The reason says what
#         the match rests on: reference values this policy compared (measurements with their
#         references in the document), or the verifier's own report that they matched.
# No attestation result: no decision (undefined), which never counts as a pass.
package claimgate.verifier.gpu_tee_policy_v3

import data.claimgate.lib.attestation as att

attestations := input.runtime.attestations

# Verdicts the bundle records from signed tokens (an NVIDIA overall result, an EAR submod).
tokens := [d | some d in input.verifier.decisions; d.token]

# Those whose tokens carry a nonce of their own.
nonced := [d | some d in tokens; d.token.nonce]

# The verifier rated the appraisal below affirming but did not contradict it (AR4SI warning or
# none): what it flags is held, not rejected.
not_contradicted(a) if a.tier in {"warning", "none"}

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
	att.measurements(a) == "mismatched"
	not att.compared(a)
	not not_contradicted(a)
}

reject_reasons contains sprintf("%s: verifier check %s failed", [a.source, name]) if {
	some a in attestations
	some name in att.failed_checks(a)
	not not_contradicted(a)
}

reject_reasons contains sprintf("%s: debug mode is enabled", [a.source]) if {
	some a in attestations
	att.debug_state(a) == "on"
}

reject_reasons contains sprintf("%s: nonce differs: expected %v, the evidence carries %v", [a.source, input.expected_nonce.hex, a.nonce.hex]) if {
	some a in attestations
	att.nonce_state(a) == "mismatched"
}

reject_reasons contains sprintf("%s: a nonce is malformed (not hex)", [a.source]) if {
	some a in attestations
	att.nonce_state(a) == "malformed"
}

reject_reasons contains sprintf("%s: the token's eat_nonce differs from the expected nonce", [d.source]) if {
	some d in nonced
	att.nonce_state(d.token) == "mismatched"
}

reject_reasons contains sprintf("%s: the token's nonce is malformed (not 32 bytes of hex)", [d.source]) if {
	some d in nonced
	att.nonce_state(d.token) == "malformed"
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

hold_reasons contains sprintf("%s: result is stale (freshness %s)", [a.source, att.freshness(a)]) if {
	some a in attestations
	not att.fresh(a)
	att.freshness(a) != "fresh"
}

hold_reasons contains sprintf("%s: result is older than %d seconds", [a.source, att.max_age_seconds]) if {
	some a in attestations
	not att.fresh(a)
	att.too_old(a)
}

hold_reasons contains sprintf("%s: the verifier rates the measurements %s tier, not affirming", [a.source, a.tier]) if {
	some a in attestations
	att.measurements(a) == "mismatched"
	not att.compared(a)
	not_contradicted(a)
}

hold_reasons contains sprintf("%s: verifier check %s is at %s tier, not affirming", [a.source, name, a.tier]) if {
	some a in attestations
	some name in att.failed_checks(a)
	not_contradicted(a)
}

hold_reasons contains sprintf("%s: measurements not compared with reference values", [a.source]) if {
	some a in attestations
	att.measurements(a) == "unknown"
	not att.compared(a)
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
	att.debug_state(a) == "unknown"
}

hold_reasons contains sprintf("%s: expected nonce missing from the evidence", [a.source]) if {
	some a in attestations
	att.nonce_state(a) == "missing"
}

hold_reasons contains sprintf("%s: the token carries no eat_nonce while one is expected", [d.source]) if {
	some d in nonced
	att.nonce_state(d.token) == "missing"
}

hold_reasons contains sprintf("%s: trusted keys were given but no trusted key verified it (signature %s): its verdict is held", [d.source, d.token.signature]) if {
	some d in tokens
	input.signatures_checked
	d.token.signature != "verified"
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
		att.compared(a)
	}
} else := "the verifier reports measurements matched (this policy compared no reference values), fresh, debug disabled" if {
	every a in attestations {
		not att.compared(a)
	}
} else := "reference values matched where the results carry them, elsewhere the verifier reports measurements matched; fresh, debug disabled"
