"""Decide a corpus of bundle directories on Apache Spark; one engine per Python worker.

    python spark_decide.py CORPUS OUT.jsonl [--in-memory] [--pandas]

CORPUS holds one bundle directory per entry. By default the DataFrame holds their paths (every
executor must see them: on a cluster, a shared or mounted file system); with --in-memory it
holds each manifest and its files as columns, so nothing is read from disk by the executors.
--pandas decides with mapInPandas instead of mapInArrow. The master is local[2] unless
SPARK_MASTER (or spark-submit) says otherwise. Writes one JSON line per bundle.
"""

import json
import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from claimgate import spark as cg_spark


def main() -> None:
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    method = "pandas" if "--pandas" in sys.argv else "arrow"
    spark = (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("claimgate")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    bundles = sorted(p for p in corpus.iterdir() if p.is_dir())
    if "--in-memory" in sys.argv:
        rows = []
        for b in bundles:
            manifest = next(p for p in (b / "bundle.yaml", b / "bundle.json") if p.exists())
            files = {str(p.relative_to(b)): p.read_bytes() for p in b.rglob("*") if p.is_file() and p != manifest}
            rows.append((b.name, manifest.read_bytes(), files, manifest.name))
        df = spark.createDataFrame(rows, "bundle string, manifest binary, files map<string, binary>, name string")
        decided = cg_spark.decide(df, manifest="manifest", files="files", name="name", keep=["bundle"], method=method)
    else:
        df = spark.createDataFrame([(b.name, str(b)) for b in bundles], "bundle string, path string")
        decided = cg_spark.decide(df, path="path", keep=["bundle"], method=method)
    with out.open("w") as f:
        for row in decided.toLocalIterator():
            f.write(json.dumps(row.asDict(), sort_keys=True) + "\n")
    for row in decided.groupBy("label").count().orderBy("label").collect():
        print(f"{row['label'] or 'error'}: {row['count']}")
    spark.stop()


if __name__ == "__main__":
    main()
