package claimgate.claims

# `debug` is no field of an attestation (it is `debug_enabled`): the rule could never hold.
# The read is inside a function; its path is found through the call site.
debug_off(a) if a.debug == false

allow contains "runtime.environment_attested" if {
	some a in input.runtime.attestations
	debug_off(a)
}
