# A policy whose outcome Veraison's agent would refuse: a status that is not a tier.
package policy

outcome = {"status": "SURE", "trust-vector": {}, "added-claims": {}}
