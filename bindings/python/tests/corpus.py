"""A generated corpus of bundle directories: cells of claimgate's evidence space (written by
`claimgate table --write-cell`), the hand-written bundles of testdata/bundles, and bundles
that cannot load. Every bundle pins its instant, so decisions and receipts are reproducible."""

import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List

#: Cells of the evidence space (claimgate's full space has 137,700).
SPACE = 137_700


def write(bin: Path, repo: Path, out: Path, cells: int) -> List[Path]:
    """Writes the corpus under `out` and returns its bundle directories, sorted."""
    out.mkdir(parents=True, exist_ok=True)
    # A fixed sample of the space: every run generates the same corpus.
    indices = random.Random(17).sample(range(SPACE), cells)

    def cell(index: int) -> None:
        subprocess.run(
            [str(bin), "table", "--write-cell", str(index), str(out / f"cell-{index:06d}")],
            check=True,
            capture_output=True,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(cell, indices))
    for bundle in sorted((repo / "testdata" / "bundles").iterdir()):
        if bundle.is_dir():
            shutil.copytree(bundle, out / f"hand-{bundle.name}")
    broken = out / "broken-manifest"
    broken.mkdir()
    (broken / "bundle.yaml").write_text("schema: claimgate.bundle/v1\njob: [not, a, mapping\n")
    missing = out / "broken-missing-document"
    missing.mkdir()
    (missing / "bundle.yaml").write_text(
        "schema: claimgate.bundle/v1\n"
        'evaluated_at: "2026-11-25T12:00:00Z"\n'
        "job:\n  job_id: job-missing\n"
        "documents:\n  - id: attestation\n    kind: attestation_result\n    path: nowhere.yaml\n"
    )
    return sorted(p for p in out.iterdir() if p.is_dir())


def in_memory(bundle: Path) -> dict:
    """A bundle directory as `{"manifest", "files", "name"}`: what a table column holds."""
    manifest = next(p for p in (bundle / "bundle.yaml", bundle / "bundle.json") if p.exists())
    files = {
        str(p.relative_to(bundle)): p.read_bytes()
        for p in sorted(bundle.rglob("*"))
        if p.is_file() and p != manifest
    }
    return {"manifest": manifest.read_bytes(), "files": files, "name": manifest.name}
