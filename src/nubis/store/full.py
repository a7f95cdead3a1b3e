"""A full data volume, recognised at the store edge.

Every store's write path can fail for lack of space: OSError ENOSPC/EDQUOT from files
(blobs, extraction) and SQLite's SQLITE_FULL ("database or disk is full") from the
databases. `storage_full` says whether an exception (or what caused it) is one of those;
`connect` opens SQLite connections whose `execute`/`commit` raise StorageFullException
instead, so the API answers "no space left on the data volume" (a 500 of the Service
kind, which clients retry) rather than "internal error". Nothing is half-written: SQLite
rolls the statement back, blob files are written under temporary names.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

from nubis.model.errors import StorageFullException

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = 13  # sqlite3.SQLITE_FULL; the constant is missing before Python 3.11.4


def storage_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from, means the volume is full."""
    seen = 0
    while exc is not None and seen < 16:
        if isinstance(exc, StorageFullException):
            return True
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if isinstance(exc, sqlite3.Error) and (
            getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL
            or "database or disk is full" in str(exc)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class _Connection(sqlite3.Connection):
    """A connection whose statements raise StorageFullException when the disk is full."""

    def execute(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().execute(*args, **kwargs)
        except sqlite3.Error as exc:
            if storage_full(exc):
                raise StorageFullException() from exc
            raise

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as exc:
            if storage_full(exc):
                raise StorageFullException() from exc
            raise


def connect(path: Path) -> sqlite3.Connection:
    """`sqlite3.connect` in autocommit mode, usable from any thread, with the mapping."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=_Connection)
