package claimgate.claims

# `endswithx` is no builtin: refused when the pack loads, not when a bundle reaches the call.
allow contains "runtime.environment_attested" if {
	some a in input.runtime.attestations
	endswithx(a.tee, "-cc")
}
