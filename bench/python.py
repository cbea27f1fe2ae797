"""Decisions per second through the Python package, side by side with the command line, Spark
local[2] and Ray, over one generated corpus (docs/python.md quotes its table).

    python bench/python.py [--cells N] [--rounds R] [--skip-spark] [--skip-ray]

Needs the claimgate wheel installed (with pyspark, pyarrow, pandas and ray[data] for the last
rows) and a release binary (target/release/claimgate, or CLAIMGATE_BIN). In-process paths run
in turn, round by round (A B C A B C ...), and each figure is the median of its rounds, so a
drift in the machine's speed moves every row alike. Spark and Ray are timed twice in one
session each: the first run pays for start-up and worker processes, the second is the rate.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))

import claimgate  # noqa: E402
import corpus  # noqa: E402


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cli-sample", type=int, default=200, help="bundles run as one process each")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args()
    cli = Path(os.environ.get("CLAIMGATE_BIN", REPO / "target" / "release" / "claimgate"))
    work = Path(tempfile.mkdtemp(prefix="claimgate-bench-"))
    bundles = corpus.write(cli, REPO, work / "corpus", args.cells)
    bundles = [b for b in bundles if not b.name.startswith("broken-")]
    paths = [str(b) for b in bundles]
    n = len(paths)
    listing = work / "list.txt"
    listing.write_text("\n".join(paths) + "\n")
    sample = paths[:: max(1, n // args.cli_sample)][: args.cli_sample]
    cores = os.cpu_count() or 1
    print(f"corpus: {n} bundles; machine: {cores} cores; python {sys.version.split()[0]}", file=sys.stderr)

    one = claimgate.Engine(threads=1)
    two = claimgate.Engine(threads=2)
    held = [corpus.in_memory(b) for b in bundles]

    def cli_each():
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda p: subprocess.run([str(cli), "eval", p, "--format", "json"], capture_output=True), sample))

    def gate(threads, files):
        subprocess.run([str(cli), "gate", "--from-file", str(files), "--threads", str(threads), "--format", "json"],
                       capture_output=True)

    first = work / "first.txt"
    first.write_text(paths[0] + "\n")
    rows = {
        "decide(), one call per bundle, 1 thread": (n, lambda: [one.decide(p) for p in paths]),
        "decide_many(threads=1)": (n, lambda: one.decide_many(paths)),
        "decide_many(threads=2)": (n, lambda: two.decide_many(paths)),
        "decide_table(threads=2)": (n, lambda: two.decide_table(paths)),
        "decide_table(threads=2), bundles in memory": (n, lambda: two.decide_table(held)),
        "CLI `gate --threads 1`, one process": (n, lambda: gate(1, listing)),
        "CLI `gate --threads 2`, one process": (n, lambda: gate(2, listing)),
        "CLI `gate`, one bundle (start-up)": (1, lambda: gate(1, first)),
        f"CLI `eval`, one process per bundle, 2 at a time ({len(sample)} bundles)": (len(sample), cli_each),
    }
    times = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, (_, f) in rows.items():
            times[name].append(timed(f))
    results = {name: (rows[name][0], statistics.median(t)) for name, t in times.items()}

    if not args.skip_spark:
        results.update(spark(paths))
    if not args.skip_ray:
        results.update(ray_rates(paths))

    print(f"| path ({n} bundles, {cores} cores) | decisions/s | µs per bundle |")
    print("|---|---:|---:|")
    for name, (count, seconds) in results.items():
        print(f"| {name} | {count / seconds:,.0f} | {seconds / count * 1e6:,.0f} |")

    start_up = results["CLI `gate`, one bundle (start-up)"][1]
    rust = (results["CLI `gate --threads 1`, one process"][1] - start_up) / (n - 1)
    single = results["decide(), one call per bundle, 1 thread"][1] / n
    many = results["decide_many(threads=1)"][1] / n
    print()
    print(f"engine per bundle, in Rust (gate, 1 thread, start-up taken off): {rust * 1e6:,.0f} µs")
    print(f"binding overhead per bundle: decide() {(single - rust) * 1e6:+,.0f} µs, "
          f"decide_many() {(many - rust) * 1e6:+,.0f} µs")
    per_core = 1 / many
    print(f"estimate: {per_core:,.0f} decisions/s per core; 64 cores ≈ {per_core * 64:,.0f}/s, "
          f"1,000 cores ≈ {per_core * 1000:,.0f}/s ({per_core * 1000 * 3600 / 1e6:,.0f} million an hour)")


def spark(paths):
    from pyspark.sql import SparkSession

    from claimgate import spark as cg_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    df = session.createDataFrame([(p,) for p in paths], "path string").repartition(2).cache()
    df.count()
    out = {}
    for method in ("arrow", "pandas"):
        decided = cg_spark.decide(df, path="path", method=method)
        cold = timed(lambda: decided.write.format("noop").mode("overwrite").save())
        warm = timed(lambda: decided.write.format("noop").mode("overwrite").save())
        out[f"Spark local[2], mapIn{method.capitalize()}, first run (workers start)"] = (len(paths), cold)
        out[f"Spark local[2], mapIn{method.capitalize()}, second run"] = (len(paths), warm)
    session.stop()
    return out


def ray_rates(paths):
    import ray

    from claimgate import ray as cg_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ds = ray.data.from_items([{"path": p} for p in paths]).materialize()
    out = {}
    decided = cg_ray.decide(ds, path="path", concurrency=2, batch_size=256)
    out["Ray Data, 2 actors, first run (actors start)"] = (len(paths), timed(lambda: decided.materialize()))
    out["Ray Data, 2 actors, second run"] = (len(paths), timed(lambda: decided.materialize()))
    ray.shutdown()
    return out


if __name__ == "__main__":
    main()
