# A policy author's claim: the GPU's confidential-computing mode was on. The mode comes from a
# `facts` document (the provider's word, `nvidia.gpu.cc_mode`), so the claim also needs a sound
# attestation of the environment: an asserted fact alone backs nothing.
package claimgate.claims

import data.claimgate.lib.attestation as att
import data.claimgate.requirements as req

allow contains "runtime.gpu_cc_mode_on" if {
	req.gpu_cc_mode_asserted
	req.attestation_sound
	req.verifier_pass
}

appraised_by["runtime.gpu_cc_mode_on"] := {a.source |
	some a in input.runtime.attestations
	att.sound(a)
}
