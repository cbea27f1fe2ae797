"""The package against the command line: the same documents, bytes and errors."""

import hashlib
import json
import subprocess
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

import claimgate
from corpus import in_memory

AT = "2026-11-25T12:00:00Z"


@pytest.fixture(scope="module")
def engine() -> claimgate.Engine:
    return claimgate.Engine()


def hand_bundles(repo: Path):
    return sorted(p for p in (repo / "testdata" / "bundles").iterdir() if p.is_dir())


def run(cli: Path, *args: str, code: int = 0) -> bytes:
    done = subprocess.run([str(cli), *args], capture_output=True)
    assert done.returncode == code, done.stderr.decode()
    return done.stdout


def test_decide_is_evals_json(engine, cli, repo):
    for bundle in hand_bundles(repo):
        assert engine.decide(str(bundle)) == json.loads(run(cli, "eval", str(bundle), "--format", "json"))


def test_a_bundle_in_memory_decides_as_on_disk(engine, repo):
    for bundle in hand_bundles(repo):
        on_disk = engine.decide(bundle)
        held = engine.decide(in_memory(bundle))
        assert held["bundle"] == in_memory(bundle)["name"]
        on_disk.pop("bundle"), held.pop("bundle")
        assert held == on_disk, bundle.name


def test_receipt_is_the_clis_bytes(engine, cli, repo, tmp_path):
    key = tmp_path / "signing.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    for bundle in hand_bundles(repo)[:6]:
        text = engine.receipt(bundle)
        assert text.encode() + b"\n" == run(cli, "receipt", str(bundle))
        assert claimgate.receipt_digest(text) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        assert engine.receipt(in_memory(bundle)) == text
        assert engine.receipt(bundle, statement=True).encode() + b"\n" == run(cli, "receipt", str(bundle), "--statement")
        # Ed25519 signatures are deterministic: the envelope is the same bytes too.
        signed = engine.receipt(bundle, sign=key)
        assert signed.encode() + b"\n" == run(cli, "receipt", str(bundle), "--sign", str(key))


def test_verify_replays_and_finds_tampering(engine, cli, repo, tmp_path):
    bundle = repo / "testdata" / "bundles" / "full_pass"
    good = tmp_path / "good.json"
    good.write_text(engine.receipt(bundle))
    found = engine.verify(good, bundle)
    assert found == json.loads(run(cli, "verify", str(good), "--bundle", str(bundle), "--format", "json"))
    assert found["ok"] and found["replayed"]
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text().replace("compute_receipt", "verifier_path_record"))
    found = engine.verify(bad, bundle)
    assert not found["ok"]
    assert found == json.loads(run(cli, "verify", str(bad), "--bundle", str(bundle), "--format", "json", code=5))


def test_gate_is_the_clis_report(engine, cli, repo):
    pattern = str(repo / "testdata" / "bundles" / "*")
    report = engine.gate([pattern], require=["job.ran_under_policy"], forbid_label="benchmark")
    assert report["status"] == "fail"
    cli_report = run(cli, "gate", pattern, "--require", "job.ran_under_policy", "--forbid-label", "benchmark", "--format", "json", code=1)
    assert report == json.loads(cli_report)
    assert engine.gate([str(repo / "testdata" / "bundles" / "full_pass")], require=["job.output_bound"])["status"] == "pass"


def test_errors_carry_the_diagnostic_and_exit_code(engine, cli, tmp_path):
    manifest = tmp_path / "bundle.yaml"
    manifest.write_text("schema: claimgate.bundle/v1\njob: [1, 2\n")
    with pytest.raises(claimgate.InputError) as caught:
        engine.decide(tmp_path)
    e = caught.value
    done = subprocess.run([str(cli), "--error-format", "json", "eval", str(tmp_path)], capture_output=True)
    assert done.returncode == e.exit_code == 3
    cli_error = json.loads(done.stderr.decode().splitlines()[0])
    assert e.code == cli_error["code"] and e.code.startswith("claimgate::bundle")
    assert e.diagnostic == cli_error
    assert str(e) == cli_error["message"]
    # The unclosed list is reported where the manifest ends.
    assert e.diagnostic["labels"][0]["file"].endswith("bundle.yaml")
    assert e.diagnostic["labels"][0]["line"] == 3
    assert isinstance(e, claimgate.Error)


def test_a_pack_that_does_not_compile_is_a_policy_error(tmp_path, repo):
    pack = tmp_path / "pack"
    subprocess.run(["cp", "-r", str(repo / "policies"), str(repo / "claims"), str(tmp_path)], check=True)
    pack.mkdir()
    (tmp_path / "policies").rename(pack / "policies")
    (tmp_path / "claims").rename(pack / "claims")
    Path(next((pack / "policies").rglob("*.rego"))).write_text("package broken\nallow if {\n")
    with pytest.raises(claimgate.PolicyError) as caught:
        claimgate.Engine(pack)
    assert caught.value.exit_code == 4 and caught.value.code.startswith("claimgate::policy")


def test_usage_errors(engine, repo):
    bundle = repo / "testdata" / "bundles" / "full_pass"
    with pytest.raises(claimgate.UsageError) as caught:
        engine.gate([str(bundle)], require=["job.not_a_claim"])
    assert caught.value.exit_code == 2
    with pytest.raises(claimgate.UsageError):
        engine.gate([str(bundle)], forbid_label="loud")
    # As on the command line: forbidding the strongest label would fail every bundle.
    with pytest.raises(claimgate.UsageError, match="can be forbidden"):
        engine.gate([str(bundle)], forbid_label="compute_receipt")
    with pytest.raises(claimgate.UsageError):
        engine.decide(bundle, at="yesterday")
    with pytest.raises(claimgate.UsageError, match="time zone"):
        engine.decide(bundle, at=datetime(2026, 11, 25, 12))
    with pytest.raises(TypeError):
        engine.decide(42)
    with pytest.raises(ValueError, match="no key `manifests`"):
        engine.decide({"manifests": ""})
    with pytest.raises(ValueError, match="threads is 1 to 4096, not 0"):
        claimgate.Engine(threads=0)
    with pytest.raises(ValueError, match="not 100000"):
        engine.decide_many([bundle], threads=100_000)


def test_the_instant(engine, repo):
    bundle = repo / "testdata" / "bundles" / "full_pass"
    pinned = engine.decide(bundle, at=datetime(2026, 11, 25, 12, tzinfo=timezone.utc))
    assert pinned == engine.decide(bundle, at=AT) == engine.decide(bundle)
    # Two days on, the attestation is stale: no compute receipt.
    assert engine.decide(bundle, at="2026-11-27T12:00:00Z")["label"] != "compute_receipt"


def test_decide_many_keeps_order_and_every_error(engine, repo, tmp_path):
    bundles = hand_bundles(repo)
    one_by_one = [engine.decide(b) for b in bundles]
    assert engine.decide_many(bundles) == one_by_one
    assert engine.decide_many(iter(bundles), threads=1) == one_by_one
    mixed = [bundles[0], tmp_path / "nowhere", None, in_memory(bundles[1])]
    with pytest.raises(claimgate.InputError):
        engine.decide_many(mixed)
    got = engine.decide_many(mixed, return_exceptions=True)
    assert got[0] == one_by_one[0]
    assert isinstance(got[1], claimgate.InputError) and got[1].exit_code == 3
    assert isinstance(got[2], claimgate.UsageError)
    assert got[3]["label"] == one_by_one[1]["label"]


def test_decide_table_has_a_row_per_bundle(engine, repo, tmp_path):
    bundles = hand_bundles(repo) + [tmp_path / "nowhere", 42, None]
    table = engine.decide_table(bundles)
    assert sorted(table) == ["allowed", "error", "error_code", "job_id", "label", "receipt_digest"]
    assert all(len(column) == len(bundles) for column in table.values())
    for i, bundle in enumerate(bundles[:-3]):
        d = engine.decide(bundle)
        assert table["label"][i] == d["label"]
        assert table["allowed"][i] == [c["id"] for c in d["allowed"]]
        assert table["job_id"][i] == d["job"]["job_id"]
        assert table["receipt_digest"][i] == claimgate.receipt_digest(engine.receipt(bundle))
        assert table["error"][i] is None
    assert table["label"][-3] is None and table["error_code"][-3].startswith("claimgate::bundle")
    # An item that is no bundle, and None, are rows with their error: never raised.
    assert table["error_code"][-2] == "claimgate::usage" and "not int" in table["error"][-2]
    assert table["error_code"][-1] == "claimgate::usage" and table["allowed"][-1] == []


def test_the_gil_is_released_while_deciding(engine, repo):
    bundles = [repo / "testdata" / "bundles" / "full_pass"] * 300
    counted = {"n": 0}
    during = {}
    done = threading.Event()

    def decide():
        start = counted["n"]
        engine.decide_table(bundles, threads=1)
        during["n"] = counted["n"] - start
        done.set()

    worker = threading.Thread(target=decide)
    worker.start()
    while not done.is_set():
        counted["n"] += 1
    worker.join()
    # With the GIL held through the call, this thread could not have counted while it ran.
    assert during["n"] > 10_000, during
