"""Decide bundles in-process: one engine, compiled once, for every call.

Run from the repository root: python bindings/python/examples/decide.py
"""

import claimgate

engine = claimgate.Engine()  # the embedded policy pack; Engine("path/to/pack") for another

decision = engine.decide("testdata/bundles/full_pass")
print(decision["label"])
for claim in decision["allowed"]:
    print("  +", claim["id"])

# The canonical receipt, byte for byte what `claimgate receipt` prints, and its digest.
receipt = engine.receipt("testdata/bundles/full_pass")
print(claimgate.receipt_digest(receipt))

# A bundle held in memory: the manifest and the files it names.
with open("testdata/bundles/benchmark_only/bundle.yaml", "rb") as m, \
        open("testdata/bundles/benchmark_only/benchmark.yaml", "rb") as b:
    held = engine.decide({"manifest": m.read(), "files": {"benchmark.yaml": b.read()}})
print(held["label"])

# Many bundles on the engine's threads, in input order; with return_exceptions=True a bundle
# that fails stands in the list as its exception.
decided = engine.decide_many(["testdata/bundles/full_pass", "testdata/bundles/no_such_bundle"],
                             return_exceptions=True)
print([d["label"] if isinstance(d, dict) else f"{d.code} (exit {d.exit_code})" for d in decided])
