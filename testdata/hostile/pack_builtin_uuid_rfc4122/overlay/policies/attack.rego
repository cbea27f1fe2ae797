package claimgate.verifier.gpu_tee_policy_v3

nonce_id := uuid.rfc4122("x")
