"""One SQLite connection per store object, on the shared metadata file (WAL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import ClassVar

from nubis.store import full


class SqliteDb:
    """Opens `path` in WAL mode with the subclass's `schema` applied; used from the event
    loop thread.

    Statements run inline and each write is its own short transaction (autocommit), so
    several store objects may share the file: WAL keeps their readers off the writer.
    """

    schema: ClassVar[str] = ""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection | None = full.connect(path)  # maps a full disk
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(self.schema)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("store is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
