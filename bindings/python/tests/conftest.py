"""Fixtures: the repository, the claimgate binary the Python package is compared with, and a
generated corpus (with the command line's receipt digest and error code for every bundle),
built once per test session."""

import hashlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

import corpus

REPO = Path(__file__).resolve().parents[3]
#: Bundles of the generated corpus: cells of the evidence space, then hand-written ones.
CELLS = int(os.environ.get("CLAIMGATE_CORPUS_CELLS", "2000"))


def binary() -> Path:
    named = os.environ.get("CLAIMGATE_BIN")
    for candidate in ([Path(named)] if named else []) + [
        REPO / "target" / "release" / "claimgate",
        REPO / "target" / "debug" / "claimgate",
    ]:
        if candidate.is_file():
            return candidate
    raise RuntimeError("no claimgate binary: run `cargo build --release` or set CLAIMGATE_BIN")


@pytest.fixture(scope="session")
def cli() -> Path:
    return binary()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def cli_receipt(bin: Path, bundle: Path) -> Tuple[Optional[str], Optional[str]]:
    """The command line's receipt digest for a bundle, or its error code."""
    run = subprocess.run(
        [str(bin), "--error-format", "json", "receipt", str(bundle)], capture_output=True
    )
    if run.returncode == 0:
        assert run.stdout.endswith(b"\n")
        return "sha256:" + hashlib.sha256(run.stdout[:-1]).hexdigest(), None
    return None, json.loads(run.stderr.decode().splitlines()[0])["code"]


class Corpus:
    def __init__(self, bundles: List[Path], expected: Dict[Path, Tuple[Optional[str], Optional[str]]]):
        self.bundles = bundles
        self.expected = expected


@pytest.fixture(scope="session")
def generated(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("corpus")
    bundles = corpus.write(cli, REPO, root, CELLS)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        expected = dict(zip(bundles, pool.map(lambda b: cli_receipt(cli, b), bundles)))
    return Corpus(bundles, expected)
