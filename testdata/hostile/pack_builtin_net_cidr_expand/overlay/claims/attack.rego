package claimgate.claims

hosts := net.cidr_expand("::/0")
