# A claim that holds when an attestation carries the nonce the bundle expects: two input paths
# compared with each other, which no single varied field can make equal.
package claimgate.claims

allow contains "runtime.nonce_echoed" if {
	some a in input.runtime.attestations
	a.nonce.hex == input.expected_nonce.hex
}
