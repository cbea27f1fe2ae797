# A claim rule that calls endswith on a field most evidence leaves null: regorus raises an
# error on it (OPA, without --strict-builtin-errors, would leave the call undefined).
package claimgate.claims

allow contains "runtime.environment_attested" if {
	some a in input.runtime.attestations
	endswith(a.tee, "-cc")
}
