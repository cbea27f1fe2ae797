# What the facts of an attestation result mean: freshness, nonce, measurements, debug state,
# binding to the job, and soundness. Every verifier policy and claim rule of the pack reads
# these judgments here; nothing else defines them. Input: claimgate.evidence/v2.
#
# Missing is unknown, never a pass: each judgment is written so that an absent or malformed
# fact (a malformed value has no `hex` or `value` to compare) fails it.
package claimgate.lib.attestation

# The instant freshness is judged at, and the job the results must be about.
now := input.evaluated_at.unix

job_digest := input.job.workload_digest

# Oldest attestation result accepted, in seconds, whatever its own expiry allows.
max_age_seconds := 86400

# Freshness at the evaluation instant: "fresh", "expired", "not_yet_valid" or "unknown" (no
# issue time or no expiry: freshness cannot be judged).
freshness(a) := "not_yet_valid" if {
	a.issued_at.unix > now
} else := "expired" if {
	a.issued_at != null
	now >= a.expires_at.unix
} else := "fresh" if {
	a.issued_at != null
	a.expires_at != null
} else := "unknown"

# Seconds between issue and evaluation.
age_seconds(a) := now - a.issued_at.unix

too_old(a) if age_seconds(a) > max_age_seconds

# Fresh enough to back a claim: within its issue and expiry times and not older than the max
# age; or, for a TEE whose results carry no times, a nonce that matches this request's.
fresh(a) if {
	freshness(a) == "fresh"
	not too_old(a)
}

fresh(a) if {
	a.tee in nonce_fresh_tees
	nonce_state(a) == "matched"
}

# TEEs whose results carry no issue or expiry time, so that only a matching nonce makes them
# fresh. None in this pack; another file of this package may name some.
nonce_fresh_tees contains tee if {
	some tee in []
}

# The nonce check: "not_expected", "matched", "mismatched", "missing" or "malformed". An
# explicit nonce decides; report data counts only when the evidence carries no nonce, and only
# for an expected nonce long enough (16 bytes) that a prefix means something.
nonce_state(a) := "malformed" if {
	"malformed" in {input.expected_nonce.state, a.nonce.state}
} else := "not_expected" if {
	input.expected_nonce.state == "absent"
} else := "matched" if {
	a.nonce.hex == input.expected_nonce.hex
} else := "mismatched" if {
	a.nonce.state == "valid"
} else := "matched" if {
	count(input.expected_nonce.hex) >= 32
	startswith(a.report_data.hex, input.expected_nonce.hex)
} else := "missing"

# Measurements: compared here when the result carries them with their references, else as the
# verifier reports: "matched", "mismatched" or "unknown".
measurements(a) := "mismatched" if {
	some m in a.measurements
	m.value.state == "malformed"
} else := "mismatched" if {
	some m in a.measurements
	m.value.hex != m.reference.hex
} else := "matched" if {
	count(a.measurements) > 0
	every m in a.measurements {
		measurement_matched(m)
	}
} else := "unknown" if {
	count(a.measurements) > 0
} else := a.measurement_result

measurement_matched(m) if m.value.hex == m.reference.hex

# Measurements this pack compared with their reference values itself.
compared(a) if count(a.measurements) > 0

# Debug state: "off", "on" or "unknown".
debug_state(a) := "off" if {
	a.debug_enabled == false
} else := "on" if {
	a.debug_enabled == true
} else := "unknown"

# Trusted keys were given and this signed kind is not verified by one: it fails closed.
unvouched(a) if {
	input.signatures_checked
	a.signed_kind
	a.signature != "verified"
}

failed_checks(a) := array.concat(
	[c.name | some c in a.checks; c.state == "failed"],
	[n | unvouched(a); n := "jws signature"],
)

unknown_checks(a) := [c.name | some c in a.checks; c.state == "unknown"]

checks_passed(a) if {
	count(failed_checks(a)) == 0
	count(unknown_checks(a)) == 0
}

# The result names this job's workload digest: natively, or as the leading bytes of its report
# data or nonce. A malformed stated digest binds nothing.
bound_to_job(a) if a.workload_digest.hex == job_digest.hex

bound_to_job(a) if {
	a.workload_digest.state == "absent"
	some x in [a.report_data, a.nonce]
	startswith(x.hex, job_digest.hex)
}

# The result names a workload digest that is not this job's (or the job names none): it is
# about another workload. Not depending on the job's digest keeps the pack monotone: removing
# the job's digest never lifts the block.
other_workload(a) if {
	a.workload_digest.state == "valid"
	not bound_to_job(a)
}

# A trace is bound when it names this job's workload digest.
trace_bound(t) if t.workload_digest.hex == job_digest.hex

# Everything that keeps a result from backing a runtime claim, as [source, order, text].
flaws contains [a.source, 1, "its verifier is not named by an identifier"] if {
	some a in input.runtime.attestations
	not a.verifier_is_identifier
}

flaws contains [a.source, 2, sprintf("bound to another workload (`%s`)", [a.workload_digest.value])] if {
	some a in input.runtime.attestations
	other_workload(a)
}

flaws contains [a.source, 3, freshness_flaw(a)] if {
	some a in input.runtime.attestations
	not fresh(a)
}

flaws contains [a.source, 4, msg] if {
	some a in input.runtime.attestations
	some msg in measurement_flaw(a)
}

flaws contains [a.source, 5, sprintf("failed checks: %s", [concat(", ", failed_checks(a))])] if {
	some a in input.runtime.attestations
	count(failed_checks(a)) > 0
}

flaws contains [a.source, 6, sprintf("unknown (absent) checks: %s", [concat(", ", unknown_checks(a))])] if {
	some a in input.runtime.attestations
	count(unknown_checks(a)) > 0
}

flaws contains [a.source, 7, "debug enabled"] if {
	some a in input.runtime.attestations
	debug_state(a) == "on"
}

flaws contains [a.source, 7, "debug state unknown"] if {
	some a in input.runtime.attestations
	debug_state(a) == "unknown"
}

flaws contains [a.source, 8, msg] if {
	some a in input.runtime.attestations
	some msg in nonce_flaw(a)
}

freshness_flaw(a) := sprintf("stale (expired %s)", [a.expires_at.rfc3339]) if {
	freshness(a) == "expired"
} else := sprintf("issued in the future (%s)", [a.issued_at.rfc3339]) if {
	freshness(a) == "not_yet_valid"
} else := "freshness unknown (no expiry)" if {
	freshness(a) == "unknown"
} else := sprintf("older than %d seconds", [max_age_seconds])

measurement_flaw(a) := {"measurements not compared with reference values"} if {
	measurements(a) == "unknown"
} else := {"the verifier reports measurements not matched"} if {
	measurements(a) == "mismatched"
	not compared(a)
} else := {sprintf("measurements not matched: %s", [concat(", ", [m.name | some m in a.measurements; not measurement_matched(m)])])} if {
	measurements(a) == "mismatched"
} else := set()

nonce_flaw(a) := {sprintf("nonce differs: expected `%s`, the evidence carries `%s`", [input.expected_nonce.hex, a.nonce.hex])} if {
	nonce_state(a) == "mismatched"
} else := {"the expected nonce is missing from the evidence"} if {
	nonce_state(a) == "missing"
} else := {"a nonce is malformed (not hex)"} if {
	nonce_state(a) == "malformed"
} else := set()

flawed := {s | some [s, _, _] in flaws}

# A sound result: fresh, measurements matched, every check passed, debug off, nonce matched or
# not expected, its verifier named by an identifier, and not about another workload.
sound(a) if not a.source in flawed

# Each result's flaws, in order, by source.
flaws_of(a) := [m | some [s, _, m] in sort(flaws); s == a.source]

# What this pack concluded about each result, for the receipt.
summary[a.source] := {
	"freshness": freshness(a),
	"fresh": fresh_value(a),
	"nonce": nonce_state(a),
	"measurement_result": measurements(a),
	"checks_passed": checks_passed_value(a),
	"bound_to_job": bound_to_job_value(a),
	"sound": sound_value(a),
} if {
	some a in input.runtime.attestations
}

fresh_value(a) := true if fresh(a) else := false

checks_passed_value(a) := true if checks_passed(a) else := false

bound_to_job_value(a) := true if bound_to_job(a) else := false

sound_value(a) := true if sound(a) else := false
