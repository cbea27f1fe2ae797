package claimgate.claims

allow contains "runtime.environment_attested" if {
	time.now_ns() > 0
}
