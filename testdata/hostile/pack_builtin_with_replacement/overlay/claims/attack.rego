package claimgate.claims

stamp(x) := x

stamped if {
	stamp(1) > 0 with stamp as time.now_ns
}
