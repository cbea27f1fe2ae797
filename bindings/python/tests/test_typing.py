"""The stubs and the package's own modules pass `mypy --strict`."""

import subprocess
import sys
from pathlib import Path

import pytest

USAGE = Path(__file__).with_name("typed_usage.py")


@pytest.mark.parametrize("target", [["-p", "claimgate"], [str(USAGE)]], ids=["package", "usage"])
def test_mypy_strict(target):
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *target],
        capture_output=True,
        cwd=USAGE.parent,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
