package claimgate.claims

lucky if {
	rand.intn("claimgate", 2) == 1
}
