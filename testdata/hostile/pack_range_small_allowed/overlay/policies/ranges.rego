package claimgate.verifier.ranges

decision := {"status": "pass", "reason": "small ranges as in OPA"} if {
	numbers.range(1, 3) == [1, 2, 3]
	numbers.range(3, 1) == [3, 2, 1]
	numbers.range(5, 5) == [5]
	numbers.range_step(1, 10, 4) == [1, 5, 9]
	numbers.range_step(10, 1, 4) == [10, 6, 2]
	count(numbers.range(1, 1000000)) == 1000000
}
