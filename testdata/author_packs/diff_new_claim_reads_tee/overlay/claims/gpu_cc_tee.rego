# A claim read from the TEE's name alone: an attestation whose `tee` ends in `-cc`.
package claimgate.claims

allow contains "runtime.gpu_cc_mode_on" if {
	some a in input.runtime.attestations
	is_string(a.tee)
	endswith(a.tee, "-cc")
}
