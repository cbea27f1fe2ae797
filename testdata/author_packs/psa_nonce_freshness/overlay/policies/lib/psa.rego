# PSA tokens carry no issue or expiry time: this pack takes a nonce that matches the request's
# as proof that the result is fresh.
package claimgate.lib.attestation

fresh(a) if {
	a.tee == "PSA_IOT"
	nonce_state(a) == "matched"
}
