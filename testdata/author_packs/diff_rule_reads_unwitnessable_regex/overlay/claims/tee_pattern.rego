# A second way to the runtime claim, read from the TEE's name through a pattern no single
# value is derived for: the diff cannot vary it, and must say so.
package claimgate.claims

allow contains "runtime.environment_attested" if {
	some a in input.runtime.attestations
	is_string(a.tee)
	regex.match(`^[a-z]+-h[0-9]+-cc$`, a.tee)
}
