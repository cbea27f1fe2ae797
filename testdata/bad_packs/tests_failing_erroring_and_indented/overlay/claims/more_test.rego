# Tests a pack author gets wrong: one indented (still a test), one printing before it fails,
# one raising an error, which is reported apart from the failures.
package claimgate.claims_test

import data.claimgate.claims

  test_indented_is_still_run if {
	print("the benchmark alone allows:", claims.allow) with input as {"capacity": {"benchmarks": []}}
	false
  }

test_an_error_is_not_a_failure if {
	1 / 0 == 1
}
