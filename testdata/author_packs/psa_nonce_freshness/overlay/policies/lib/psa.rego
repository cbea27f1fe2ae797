# PSA tokens carry no issue or expiry time: this pack takes a nonce that matches the request's
# as proof that the result is fresh.
package claimgate.lib.attestation

nonce_fresh_tees contains "PSA_IOT"
