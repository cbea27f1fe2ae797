package claimgate.claims

import data.claimgate.lib.attestation as att

allow contains "runtime.environment_attested" if {
	some a in input.runtime.attestations
	att.sound(a, "extra")
}
