# The module Veraison's policy agent compiles with every policy, in the interface it documents
# (written for these tests, Rego v0): each trust-vector claim is 0 unless the policy sets it,
# and `outcome` gathers the status and the claims.
package policy

default status = 0

default executables = 0

default hardware = 0

default configuration = 0

outcome = {
	"status": status,
	"trust-vector": {
		"executables": executables,
		"hardware": hardware,
		"configuration": configuration,
	},
	"added-claims": {},
}
