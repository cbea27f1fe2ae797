"""Decide a corpus of bundle directories on Ray Data; one engine per actor.

    python ray_decide.py CORPUS OUT.jsonl [--actors N]

Starts a local Ray (or joins the cluster RAY_ADDRESS names) and decides every bundle directory
under CORPUS with map_batches. Writes one JSON line per bundle.
"""

import json
import sys
from pathlib import Path

import ray

from claimgate import ray as cg_ray


def main() -> None:
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    actors = int(sys.argv[sys.argv.index("--actors") + 1]) if "--actors" in sys.argv else 2
    ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    bundles = sorted(p for p in corpus.iterdir() if p.is_dir())
    ds = ray.data.from_items([{"bundle": b.name, "path": str(b)} for b in bundles])
    decided = cg_ray.decide(ds, path="path", keep=["bundle"], concurrency=actors)
    rows = decided.take_all()
    with out.open("w") as f:
        for row in rows:
            f.write(json.dumps({k: (list(v) if k == "allowed" else v) for k, v in row.items()}, sort_keys=True) + "\n")
    labels = {}
    for row in rows:
        labels[row["label"] or "error"] = labels.get(row["label"] or "error", 0) + 1
    for label in sorted(labels):
        print(f"{label}: {labels[label]}")
    ray.shutdown()


if __name__ == "__main__":
    main()
