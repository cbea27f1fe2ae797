# Claim-narrowing rules: which catalog claims the evidence supports (`allow`) and reasons that
# block a claim even when it is allowed (`block`). Input: claimgate.evidence/v2 plus
# `input.decisions`, every verifier decision (recorded in the bundle and made by the pack).
#
# A claim is allowed only when a rule here allows it AND every requirement its catalog entry
# names holds (claims/requirements.rego), so a rule here can only narrow, never widen.
# The catalog is `data.claimgate.catalog`: a block written for a box, or for the claims that
# rest on a requirement, covers every such claim, new ones too.
package claimgate.claims

import data.claimgate.lib.attestation as att
import data.claimgate.requirements as req

claims_in(b) := {c.id | some c in data.claimgate.catalog.claims; c.box == b}

allow contains "capacity.benchmark_context" if req.benchmark_result

allow contains "runtime.environment_attested" if {
	req.attestation_bound_to_job
	req.verifier_pass
}

allow contains "runtime.environment_appraised" if {
	req.attestation_sound
	req.verifier_pass
}

allow contains "runtime.trace_reproducible" if req.trace_replay_matched

allow contains "job.output_bound" if req.output_digest

allow contains "job.ran_under_policy" if {
	req.workload_digest
	req.verifier_pass
	req.runtime_bound_to_job
	req.output_digest
}

# A denial is evidence too: any recorded decision shows the path was exercised.
allow contains "verifier.path_exercised" if req.verifier_decision

allow contains "verifier.secret_released" if {
	req.key_release_after_pass
	req.verifier_pass
}

allow contains "storage.provider_local" if req.storage_facts

allow contains "storage.backup_shown" if req.backup_with_digest

# Narrowing: malformed evidence in the job box taints every job claim.
block contains {"id": id, "msg": sprintf("the input commitment `%s` is malformed", [input.job.input_commitment.raw])} if {
	input.job.input_commitment.state == "malformed"
	some id in claims_in("job")
}

# Narrowing: a claim that rests on attestation results needs the appraised evidence itself to
# be named by a digest.
# lint:ignore block-reach job.output_bound runtime.trace_reproducible: neither rests on an attestation
block contains {"id": id, "msg": sprintf("attestation `%s` names its evidence by a malformed digest", [a.source])} if {
	some a in input.runtime.attestations
	a.evidence_digest.state == "malformed"
	some id in rests_on_attestations
}

rests_on_attestations contains c.id if {
	some c in data.claimgate.catalog.claims
	some r in c.requires
	r in {"attestation_sound", "attestation_bound_to_job", "runtime_bound_to_job"}
}

# The attestation results each claim's `{appraised_by}` names: the bound ones for the claim
# about this job's runtime, every sound one for the claim about the attested environment.
appraised_by["runtime.environment_attested"] := {a.source |
	some a in input.runtime.attestations
	att.sound(a)
	att.bound_to_job(a)
}

appraised_by["runtime.environment_appraised"] := {a.source |
	some a in input.runtime.attestations
	att.sound(a)
}

# Which claim limit of the catalog the receipt states for its attestation results.
attestation_limit := "other_workload" if {
	some a in input.runtime.attestations
	att.other_workload(a)
} else := "bound" if {
	some a in input.runtime.attestations
	att.bound_to_job(a)
} else := "unbound"

# What the pack concluded about each attestation result, for the receipt.
attestations := att.summary
