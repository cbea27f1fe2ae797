"""Calls of every method as a user writes them: `mypy --strict` checks them against the
package's stubs (test_typing.py). Never run."""

from datetime import datetime, timezone
from pathlib import Path

import claimgate

engine = claimgate.Engine(None, upstream=None, trusted_keys=[Path("key.pem")], threads=1)
threads: int = engine.threads
decision = engine.decide("bundles/job-1", at=datetime.now(timezone.utc))
label: str = decision["label"]
held = engine.decide({"manifest": b"schema: claimgate.bundle/v1\n", "files": {"a.yaml": "x: 1"}}, "2026-11-25T12:00:00Z")
many = engine.decide_many([Path("bundles/job-1"), "bundles/job-2"], threads=2, return_exceptions=True)
for d in many:
    if isinstance(d, claimgate.Error):
        code: int = d.exit_code
        diagnostic_code = d.code
table = engine.decide_table(iter(["bundles/job-1"]))
digests = table["receipt_digest"]
receipt: str = engine.receipt("bundles/job-1", statement=False, sign=Path("signing.pem"))
digest: str = claimgate.receipt_digest(receipt)
found = engine.verify("receipt.json", "bundles/job-1", key="signing.pub")
ok: bool = found["ok"]
report = engine.gate(["bundles/*"], require=["job.output_bound"], forbid_label="benchmark", claimed=Path("claimed.txt"))
try:
    engine.decide("bundles/job-3")
except claimgate.UsageError as e:
    help_text = e.help
except claimgate.PolicyError as e:
    labels = e.diagnostic["labels"]
