package claimgate.claims

remote := http.send({"method": "get", "url": "http://127.0.0.1:9/allow"})
