package claimgate.claims_test

test_clock if {
	time.now_ns() > 0
}
