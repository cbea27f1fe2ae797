# Requirements: the evidence each catalog claim needs. A catalog entry's `requires` names rules
# of this package; a claim is allowed only when its claim rule allows it AND every requirement
# it names is true (undefined is false). Each requirement has a one-line description in
# `describe`, and `unmet` says, for this bundle, what is missing. Another file of this package
# may add requirements the same way. Input: as for the claim rules.
package claimgate.requirements

import data.claimgate.lib.attestation as att

describe.benchmark_result := "at least one benchmark result"

describe.attestation_sound := "an attestation result that is sound: fresh, measurements matched, every check passed, debug off, nonce matched when one is expected, and about no other workload"

describe.trace_replay_matched := "a reproducible-operator trace whose replay matched"

describe.verifier_pass := "at least one verifier decision, and the worst of all is pass"

describe.verifier_decision := "at least one verifier decision, whatever its status"

describe.workload_digest := "a well-formed workload digest"

describe.output_digest := "a well-formed output digest, equal to the output artifact's digest when the bundle delivers it"

describe.runtime_bound_to_job := "a sound attestation result or matched trace bound to this job's workload digest"

describe.attestation_bound_to_job := "a sound attestation result that itself names this job's workload digest"

describe.key_release_after_pass := "a key release that followed a passing decision of the same policy"

describe.storage_facts := "deployment/storage facts"

describe.backup_with_digest := "a backup location outside the provider, named with a well-formed digest"

decisions := input.decisions

attestations := input.runtime.attestations

benchmark_result if count(input.capacity.benchmarks) > 0

unmet.benchmark_result := "no benchmark result in the bundle"

attestation_sound if {
	some a in attestations
	att.sound(a)
}

unmet.attestation_sound := "no attestation result in the bundle" if {
	count(attestations) == 0
} else := sprintf("no sound attestation (%s)", [concat("; ", [sprintf("`%s`: %s", [a.source, concat(", ", att.flaws_of(a))]) | some a in attestations])])

trace_replay_matched if {
	some t in input.runtime.traces
	t.replay == "matched"
}

unmet.trace_replay_matched := "no operator trace in the bundle" if {
	count(input.runtime.traces) == 0
} else := "no trace replay matched"

# Statuses combine as the worst: a single reject or hold is not a pass.
verifier_pass if {
	count(decisions) > 0
	every d in decisions {
		d.status == "pass"
	}
}

rank := {"reject": 0, "hold": 1, "pass": 2}

verb := {"reject": "rejected", "hold": "held", "pass": "accepted"}

decided_by := {"document": "recorded by the bundle", "policy": "decided by claimgate"}

worst := s if {
	some s in {"reject", "hold", "pass"}
	rank[s] == min({rank[d.status] | some d in decisions})
}

unmet.verifier_pass := "no verifier decision" if {
	count(decisions) == 0
} else := sprintf("the worst verifier status is %s (%s)", [worst, concat("; ", [text |
	some [_, _, _, text] in sort({[d.origin, d.source, d.policy_id, text] |
		some d in decisions
		d.status == worst
		text := sprintf("`%s` %s (%s): %s", [d.policy_id, verb[worst], decided_by[d.origin], d.reason])
	})
])])

verifier_decision if count(decisions) > 0

unmet.verifier_decision := "no verifier decision recorded"

workload_digest if input.job.workload_digest.state == "valid"

unmet.workload_digest := digest_unmet("workload digest", input.job.workload_digest)

output_digest if {
	input.job.output_digest.state == "valid"
	input.job.output_verified != false
}

unmet.output_digest := digest_unmet("output digest", input.job.output_digest) if {
	input.job.output_digest.state != "valid"
} else := "the output artifact in the bundle does not hash to the output digest"

digest_unmet(what, d) := sprintf("no %s", [what]) if {
	d.state == "absent"
} else := sprintf("%s `%s` is malformed (%s)", [what, d.raw, d.problem])

runtime_bound_to_job if {
	workload_digest
	some a in attestations
	att.sound(a)
	att.bound_to_job(a)
}

runtime_bound_to_job if {
	workload_digest
	some t in input.runtime.traces
	t.replay == "matched"
	att.trace_bound(t)
}

unmet.runtime_bound_to_job := digest_unmet("workload digest", input.job.workload_digest) if {
	not workload_digest
} else := "no sound attestation or matched trace is bound to this job's workload digest"

attestation_bound_to_job if {
	workload_digest
	some a in attestations
	att.sound(a)
	att.bound_to_job(a)
}

unmet.attestation_bound_to_job := digest_unmet("workload digest", input.job.workload_digest) if {
	not workload_digest
} else := "no sound attestation names this job's workload digest (an unbound attestation speaks for its environment, not for this job)"

key_release_after_pass if {
	some r in input.verifier.releases
	r.released == true
	some d in decisions
	d.policy_id == r.policy_id
	d.status == "pass"
}

unmet.key_release_after_pass := "no release followed a passing decision of the same policy" if {
	some r in input.verifier.releases
	r.released == true
} else := "no key release recorded"

storage_facts if count(input.storage.facts) > 0

unmet.storage_facts := "no deployment/storage facts in the bundle"

backup_with_digest if {
	some s in input.storage.facts
	s.backup.digest.state == "valid"
}

unmet.backup_with_digest := "the backup path has no well-formed digest" if {
	some s in input.storage.facts
	s.backup != null
} else := "no backup path outside the provider is shown"
