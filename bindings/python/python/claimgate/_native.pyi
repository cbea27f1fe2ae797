import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

Path = Union[str, "os.PathLike[str]"]
#: A bundle: a directory or manifest path, or a manifest and its files in memory
#: (``{"manifest": str | bytes, "files": {relative path: bytes | str}, "name": "bundle.yaml"}``;
#: a ``name`` ending in ``.json`` reads the manifest as JSON).
BundleLike = Union[Path, Mapping[str, Any]]
#: An instant: RFC 3339 text or an aware datetime; ``None`` is each bundle's own
#: ``evaluated_at``, else now.
AtLike = Union[str, datetime, None]

__version__: str

class Error(Exception):
    """A claimgate error."""

    #: The diagnostic code, e.g. ``claimgate::bundle::parse``
    code: Optional[str]
    #: What the command line exits with for this error (2, 3 or 4)
    exit_code: int
    help: Optional[str]
    #: The ``--error-format json`` object: message, code, help, causes, labels (file, line, column)
    diagnostic: Dict[str, Any]

class UsageError(Error):
    """A call claimgate cannot carry out as asked (exit code 2)."""

class InputError(Error):
    """A bundle, claimed file, key or receipt that cannot be read or validated (exit code 3)."""

class PolicyError(Error):
    """A policy pack or upstream policy that cannot be loaded, compiled or evaluated (exit code 4)."""

class Engine:
    """A policy pack compiled once, with its upstream policies and trusted keys."""

    def __init__(
        self,
        pack: Optional[Path] = None,
        *,
        upstream: Optional[Path] = None,
        trusted_keys: Sequence[Path] = (),
        threads: Optional[int] = None,
    ) -> None: ...
    @property
    def threads(self) -> int: ...
    def decide(self, bundle: BundleLike, at: AtLike = None) -> Dict[str, Any]:
        """The decision: the same document as ``claimgate eval --format json``."""
    def decide_many(
        self,
        bundles: Iterable[BundleLike],
        at: AtLike = None,
        *,
        threads: Optional[int] = None,
        return_exceptions: bool = False,
    ) -> List[Union[Dict[str, Any], Error]]:
        """Decisions in input order; an error raises, or stands in the list with ``return_exceptions``."""
    def decide_table(
        self,
        bundles: Iterable[BundleLike],
        at: AtLike = None,
        *,
        threads: Optional[int] = None,
    ) -> Dict[str, List[Any]]:
        """Columns ``label``, ``allowed``, ``job_id``, ``receipt_digest``, ``error_code``, ``error``: one row per bundle."""
    def receipt(
        self,
        bundle: BundleLike,
        at: AtLike = None,
        *,
        statement: bool = False,
        sign: Optional[Path] = None,
    ) -> str:
        """The canonical receipt: what ``claimgate receipt`` prints, less its final newline."""
    def verify(
        self,
        receipt: Path,
        bundle: Optional[BundleLike] = None,
        *,
        key: Optional[Path] = None,
    ) -> Dict[str, Any]:
        """The same document as ``claimgate verify --format json``."""
    def gate(
        self,
        bundles: Sequence[Path],
        *,
        require: Sequence[str] = (),
        forbid_label: Optional[str] = None,
        claimed: Optional[Path] = None,
        text: Optional[Path] = None,
        at: AtLike = None,
    ) -> Dict[str, Any]:
        """The same document as ``claimgate gate --format json``."""
