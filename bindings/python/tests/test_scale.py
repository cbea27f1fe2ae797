"""The generated corpus (>= 2,000 bundles) decided through the package, its Spark example and
its Ray example: every decision must equal the command line's for the same bundle, byte for
byte on the receipt digest, and every bundle that cannot load must be a row with the command
line's error code."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import claimgate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def expected_rows(generated):
    return {b.name: generated.expected[b] for b in generated.bundles}


def check(rows, generated):
    """`rows`: bundle name -> (receipt digest, error code), from one path through the package."""
    expected = expected_rows(generated)
    assert len(rows) == len(expected) >= 2000
    wrong = {name: (rows.get(name), want) for name, want in expected.items() if rows.get(name) != want}
    assert not wrong, f"{len(wrong)} differ from the command line, e.g. {list(wrong.items())[:3]}"
    assert sum(1 for d, _ in expected.values() if d is None) >= 2, "the corpus has bundles that fail"


def test_the_corpus_is_varied(generated):
    engine = claimgate.Engine()
    labels = set(engine.decide_table(generated.bundles)["label"])
    assert {"compute_receipt", "verifier_path_record", "deployment_note", "benchmark", "none", None} <= labels


def test_decide_table_equals_the_cli(generated):
    engine = claimgate.Engine()
    table = engine.decide_table(generated.bundles)
    rows = {b.name: (d, c) for b, d, c in zip(generated.bundles, table["receipt_digest"], table["error_code"])}
    check(rows, generated)


def test_decide_many_and_receipt_equal_the_cli(generated):
    engine = claimgate.Engine(threads=2)
    decided = engine.decide_many(generated.bundles, return_exceptions=True)
    rows = {}
    for bundle, d in zip(generated.bundles, decided):
        if isinstance(d, claimgate.Error):
            rows[bundle.name] = (None, d.code)
        else:
            rows[bundle.name] = (claimgate.receipt_digest(engine.receipt(bundle, at=d["evaluated_at"])), None)
    check(rows, generated)


def run_example(script, *args):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    return done.stdout.decode()


def read_rows(out: Path):
    rows = {}
    for line in out.read_text().splitlines():
        r = json.loads(line)
        assert r["bundle"] not in rows, "each bundle once"
        rows[r["bundle"]] = (r["receipt_digest"], r["error_code"])
    return rows


@pytest.mark.spark
@pytest.mark.parametrize("how", [[], ["--in-memory", "--pandas"]], ids=["paths-arrow", "in-memory-pandas"])
def test_spark_example_equals_the_cli(generated, tmp_path, how):
    out = tmp_path / "spark.jsonl"
    summary = run_example("spark_decide.py", str(generated.bundles[0].parent), str(out), *how)
    check(read_rows(out), generated)
    assert "compute_receipt:" in summary and "error: 2" in summary


@pytest.mark.ray
def test_ray_example_equals_the_cli(generated, tmp_path):
    out = tmp_path / "ray.jsonl"
    summary = run_example("ray_decide.py", str(generated.bundles[0].parent), str(out), "--actors", "2")
    check(read_rows(out), generated)
    assert "compute_receipt:" in summary and "error: 2" in summary


def test_the_docs_example_runs(repo):
    """docs/python.md shows examples/decide.py as it is, and it runs from the repository root."""
    script = (EXAMPLES / "decide.py").read_text()
    docs = (repo / "docs" / "python.md").read_text()
    assert "```python\n" + script + "```" in docs
    done = subprocess.run([sys.executable, str(EXAMPLES / "decide.py")], capture_output=True, cwd=repo)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "compute_receipt" and lines[-1] == "['compute_receipt', 'claimgate::bundle::io (exit 3)']"
