package claimgate.verifier.extra_key

decision := {"status": "pass", "confidence": 1, "reason": "sure"}
