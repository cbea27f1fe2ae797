"""Decide a Ray Dataset of bundles with ``map_batches``, one claimgate Engine per actor.

    from claimgate import ray as cg_ray
    decided = cg_ray.decide(ds, path="path", concurrency=2)
    decided.groupby("label").count().show()

Rows and result columns are those of :mod:`claimgate.spark`: a ``path`` column (or ``manifest``,
``files`` and ``name`` columns), then ``label``, ``allowed``, ``job_id``, ``receipt_digest``,
``error_code`` and ``error``; a bundle that fails is a row with its error.
"""

from typing import Any, Optional, Sequence

from . import _frames
from ._native import Engine


class Decider:
    """The ``map_batches`` callable: compiles its engine once, when Ray starts the actor."""

    def __init__(
        self,
        source: _frames.Source,
        keep: Sequence[str],
        pack: Optional[str] = None,
        upstream: Optional[str] = None,
        trusted_keys: Sequence[str] = (),
        at: Optional[str] = None,
        threads: int = 1,
    ) -> None:
        self.engine = Engine(pack, upstream=upstream, trusted_keys=list(trusted_keys), threads=threads)
        self.source, self.keep, self.at, self.threads = source, list(keep), at, threads

    def __call__(self, batch: Any) -> Any:
        return _frames.decide_arrow(self.engine, self.source, batch, self.keep, self.at, self.threads)


def decide(
    ds: Any,
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
    concurrency: int = 1,
    batch_size: int = 1024,
) -> Any:
    """Decides every row of ``ds`` on ``concurrency`` actors of ``threads`` CPUs each."""
    source, keep = _frames.plan(path, manifest, files, name, keep)
    return ds.map_batches(
        Decider,
        fn_constructor_args=(source, keep, pack, upstream, tuple(trusted_keys), at, threads),
        batch_format="pyarrow",
        batch_size=batch_size,
        concurrency=concurrency,
        num_cpus=threads,
    )
