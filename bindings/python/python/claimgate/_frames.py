"""What the Spark and Ray helpers share: rows of a table turned into bundles, and the
decisions of those bundles as Arrow columns."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

#: The columns every helper adds, in order, with their Spark SQL types.
RESULT_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("label", "string"),
    ("allowed", "array<string>"),
    ("job_id", "string"),
    ("receipt_digest", "string"),
    ("error_code", "string"),
    ("error", "string"),
)


class Source:
    """Where the bundles of a table are: a path column, or a manifest column with an optional
    files column (relative path -> bytes) and an optional manifest file name column."""

    def __init__(
        self,
        path: Optional[str] = "path",
        manifest: Optional[str] = None,
        files: Optional[str] = None,
        name: Optional[str] = None,
    ) -> None:
        if manifest is not None:
            path = None
        if path is None and manifest is None:
            raise ValueError("name a `path` column or a `manifest` column")
        if manifest is None and (files is not None or name is not None):
            raise ValueError("`files` and `name` go with a `manifest` column")
        self.path, self.manifest, self.files, self.name = path, manifest, files, name

    def columns(self) -> List[str]:
        return [c for c in (self.path, self.manifest, self.files, self.name) if c is not None]

    def bundles(self, column: Callable[[str], List[Any]]) -> List[Any]:
        """The bundles of a table whose columns `column` reads as lists, one per row (None for
        a null row)."""
        if self.path is not None:
            return column(self.path)
        assert self.manifest is not None, "a Source names a path or a manifest column"
        manifests = column(self.manifest)
        n = len(manifests)
        files = column(self.files) if self.files else [None] * n
        names = column(self.name) if self.name else [None] * n
        out: List[Any] = []
        for manifest, fs, name in zip(manifests, files, names):
            if manifest is None:
                out.append(None)
                continue
            bundle: Dict[str, Any] = {"manifest": manifest}
            if fs is not None:
                # A map column reads as a list of (key, value) pairs, or as a dict.
                bundle["files"] = dict(fs)
            if name is not None:
                bundle["name"] = name
            out.append(bundle)
        return out


def plan(
    path: Optional[str], manifest: Optional[str], files: Optional[str], name: Optional[str], keep: Optional[Sequence[str]]
) -> Tuple[Source, List[str]]:
    """Where the bundles are, and the columns kept beside the results (by default the path
    column, when there is one)."""
    source = Source(path, manifest, files, name)
    return source, list(keep) if keep is not None else ([source.path] if source.path else [])


def arrow_columns(decided: Dict[str, List[Any]]) -> Dict[str, Any]:
    """`Engine.decide_table`'s columns as Arrow arrays of the declared types."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    return {
        name: pa.array(decided[name], type=pa.list_(pa.string()) if kind.startswith("array") else pa.string())
        for name, kind in RESULT_COLUMNS
    }


def decide_arrow(engine: Any, source: Source, table: Any, keep: Sequence[str], at: Any, threads: Optional[int]) -> Any:
    """One Arrow table or record batch decided: the `keep` columns, then the result columns."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    decided = engine.decide_table(source.bundles(lambda c: table.column(c).to_pylist()), at, threads=threads)
    columns = {name: table.column(name) for name in keep}
    columns.update(arrow_columns(decided))
    return pa.Table.from_pydict(columns)


def decide_pandas(engine: Any, source: Source, frame: Any, keep: Sequence[str], at: Any, threads: Optional[int]) -> Any:
    """One pandas DataFrame decided: the `keep` columns, then the result columns."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    decided = engine.decide_table(source.bundles(lambda c: frame[c].tolist()), at, threads=threads)
    out = pd.DataFrame({name: frame[name].reset_index(drop=True) for name in keep})
    for name, _ in RESULT_COLUMNS:
        out[name] = decided[name]
    return out
