"""The metadata file (`nubis.db`): one writer thread shared by the store objects on it.

Functions, versions and aliases, concurrency settings and layers are four store objects
on one file. Each opens it by path; the first one starts a `SqliteWriter` for the file
(WAL, `synchronous=NORMAL`: a commit survives a crash of the process, and the metadata
of a power loss's last instant may be lost, as before), the others share it and add
their tables. The writer closes with the last of them. So the file has exactly one
writer thread and no two of its writers wait on each other's locks.

Every statement runs on that thread, reads too: none blocks the event loop, a read sees
every write acknowledged before it (one connection, in submission order), and callers
that arrive together share a transaction (group commit). The cost is a thread hop per
call, which is why the invoke path does not read the store when its caches hold the
answer (`nubis.control.functions`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TypeVar

from nubis.store.sqlite.writer import SqliteWriter

T = TypeVar("T")

_lock = threading.Lock()
# Open writers by resolved path, with the number of store objects using each. Stores are
# opened and closed on the event loop's thread; the lock only keeps this table whole.
_writers: dict[Path, tuple[SqliteWriter, int]] = {}


def _apply(conn: sqlite3.Connection, schema: str) -> None:
    """Run a script of statements inside the writer's transaction (`executescript` would
    COMMIT it): one complete statement at a time, so a `;` inside one (a trigger's body)
    does not split it."""
    pending = ""
    for piece in schema.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                conn.execute(pending)
            pending = ""


def _acquire(key: Path, schema: str) -> SqliteWriter:
    with _lock:
        held = _writers.get(key)
        if held is None:
            writer = SqliteWriter(key, "", synchronous="NORMAL")
            count = 0
        else:
            writer, count = held
        try:
            # Blocks until the tables exist: once, when a store is opened.
            writer.submit(lambda conn: _apply(conn, schema)).result()
        except BaseException:
            if held is None:
                writer.close()
            raise
        _writers[key] = (writer, count + 1)
        return writer


def _release(key: Path) -> None:
    with _lock:
        writer, count = _writers[key]
        if count > 1:
            _writers[key] = (writer, count - 1)
            return
        del _writers[key]
    writer.close()  # finishes what was submitted before it


class SqliteDb:
    """A store object on a shared metadata file, with the subclass's `schema` applied.

    `_run(fn)` runs `fn(conn)` on the file's writer thread in a transaction of its own
    (a savepoint of the batch's) and returns once it is committed. `close()` is
    idempotent; `_run` after it raises RuntimeError.
    """

    schema: ClassVar[str] = ""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._key = path.resolve()
        self._writer: SqliteWriter | None = _acquire(self._key, self.schema)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._writer is None:
            raise RuntimeError("store is closed")
        return await self._writer.run(fn)

    def close(self) -> None:
        if self._writer is not None:
            self._writer = None
            _release(self._key)
