package claimgate.claims_test

test_deep if {
	f0(1) == 1
}
