package claimgate.claims

import data.claimgate.requirements as req

# Only a pass would show the path was exercised: claimgate's floor overrides this.
block contains {"id": "verifier.path_exercised", "msg": "only a pass counts"} if not req.verifier_pass
