"""Decide a Spark DataFrame of bundles, one claimgate Engine per Python worker process.

    from claimgate import spark as cg_spark
    decided = cg_spark.decide(df, path="path")          # or manifest="manifest", files="files"
    decided.groupBy("label").count().show()

Each row is one bundle: a path every executor can read (a shared or mounted file system), or
the manifest and its files in columns. The result has the ``keep`` columns (by default the path
column, when there is one), then ``label``, ``allowed`` (claim ids), ``job_id``,
``receipt_digest``, ``error_code`` and ``error``. A bundle that fails is a row with its error
and no label: never dropped.
"""

from typing import Any, Dict, Optional, Sequence, Tuple

from . import _frames
from ._native import Engine

#: Engines of this worker process, by configuration: compiled once, reused by every task the
#: worker runs (Spark reuses Python workers by default).
_ENGINES: Dict[Tuple[Any, ...], Engine] = {}


def engine(pack: Optional[str] = None, upstream: Optional[str] = None, trusted_keys: Sequence[str] = (), threads: int = 1) -> Engine:
    """This process's engine for a configuration, compiled on first use."""
    key = (pack, upstream, tuple(trusted_keys), threads)
    found = _ENGINES.get(key)
    if found is None:
        found = _ENGINES[key] = Engine(pack, upstream=upstream, trusted_keys=list(trusted_keys), threads=threads)
    return found


def decide(
    df: Any,
    *,
    path: Optional[str] = "path",
    manifest: Optional[str] = None,
    files: Optional[str] = None,
    name: Optional[str] = None,
    keep: Optional[Sequence[str]] = None,
    pack: Optional[str] = None,
    upstream: Optional[str] = None,
    trusted_keys: Sequence[str] = (),
    at: Optional[str] = None,
    threads: int = 1,
    method: str = "arrow",
) -> Any:
    """Decides every row of ``df`` with ``mapInArrow`` (``method="arrow"``) or ``mapInPandas``
    (``method="pandas"``). ``threads`` is per task: keep it at ``spark.task.cpus``. Paths of
    ``pack``, ``upstream`` and ``trusted_keys`` must exist on every executor. ``at`` (RFC 3339)
    pins the instant; by default each bundle's own ``evaluated_at``, else the time of the task."""
    source, keep = _frames.plan(path, manifest, files, name, keep)
    fields = {f.name: f for f in df.schema.fields}
    missing = [c for c in source.columns() + keep if c not in fields]
    if missing:
        raise ValueError(f"no such column: {', '.join(missing)}")
    kept = ", ".join(f"`{c}` {fields[c].dataType.simpleString()}" for c in keep)
    added = ", ".join(f"{c} {t}" for c, t in _frames.RESULT_COLUMNS)
    schema = f"{kept}, {added}" if kept else added
    config = (pack, upstream, tuple(trusted_keys), threads)

    if method == "arrow":

        def run_arrow(batches: Any) -> Any:
            e = engine(*config)
            for batch in batches:
                yield from _frames.decide_arrow(e, source, batch, keep, at, threads).to_batches()

        return df.mapInArrow(run_arrow, schema)
    if method == "pandas":

        def run_pandas(frames: Any) -> Any:
            e = engine(*config)
            for frame in frames:
                yield _frames.decide_pandas(e, source, frame, keep, at, threads)

        return df.mapInPandas(run_pandas, schema)
    raise ValueError(f"method is `arrow` or `pandas`, not `{method}`")
