package claimgate.verifier.pure

decision := {"status": "pass", "reason": "pure builtins allowed"} if {
	uuid.parse("00000000-0000-4000-8000-000000000000").version == 4
	net.cidr_contains("10.0.0.0/8", "10.1.2.3")
	time.parse_rfc3339_ns("2026-11-25T12:00:00Z") > 0
}
