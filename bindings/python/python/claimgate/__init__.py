"""claimgate: which sentences about a compute job its evidence allows.

An :class:`Engine` is a policy pack compiled once. It decides evidence bundles (a directory or
manifest path, or ``{"manifest": ..., "files": {...}}`` in memory) and gives back the documents
the ``claimgate`` command line prints as JSON, as Python objects. Errors are :class:`Error`
subclasses carrying the diagnostic code and the exit code the command line would give.
"""

import hashlib as _hashlib

from ._native import Engine, Error, InputError, PolicyError, UsageError, __version__

__all__ = [
    "Engine",
    "Error",
    "InputError",
    "PolicyError",
    "UsageError",
    "__version__",
    "receipt_digest",
]


def receipt_digest(receipt: str) -> str:
    """The digest of a receipt as :meth:`Engine.receipt` returns it (``sha256:<hex>``): the
    sha256 of the file ``claimgate receipt`` writes, less its final newline."""
    return "sha256:" + _hashlib.sha256(receipt.encode("utf-8")).hexdigest()
