package claimgate.lib.extra

# `x` is bound nowhere: the rule cannot be evaluated.
too_big if {
	x > 3
}
