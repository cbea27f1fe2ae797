package claimgate.verifier.bad_status

decision := {"status": "ok", "reason": "looks fine"}
