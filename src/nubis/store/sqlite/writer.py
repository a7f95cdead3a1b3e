"""One SQLite connection owned by one thread, with group commit.

Durable queues need every acknowledged write on disk (WAL + `synchronous=FULL`, i.e. an
fsync per commit) without paying one fsync per request. `SqliteWriter` runs submitted
functions on its own thread: it takes everything waiting, runs each function in a
savepoint inside one `BEGIN IMMEDIATE` transaction, commits once, and only then resolves
the callers' futures. So `await writer.run(fn)` returning means `fn`'s writes are on disk,
and N concurrent callers share one fsync.

A write that may be lost in a crash without breaking a promise (ending a lease, deleting
a finished event: at-least-once delivery repeats the work) is submitted with
`durable=False`: a batch of only such writes commits without an fsync
(`synchronous=NORMAL`); the next durable commit's fsync covers it, since the WAL is
append-only and a later sync persists every earlier frame.

Contract: functions run one at a time, in submission order, on the writer thread; a
function that raises has its own writes rolled back and its caller gets the exception,
the others in the batch are unaffected. `close()` is idempotent: it finishes what was
submitted before it, then closes the connection; `run` after `close` raises RuntimeError.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from nubis.store import full

T = TypeVar("T")

_BATCH_MAX = 512
_Item = tuple[Callable[[sqlite3.Connection], Any], "concurrent.futures.Future[Any]", bool] | None


class SqliteWriter:
    def __init__(self, path: Path, schema: str, synchronous: str = "FULL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()  # orders `close` against `submit`
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._synchronous = synchronous
        self._thread = threading.Thread(
            target=self._main, args=(schema, synchronous, ready), name=f"sqlite:{path.name}"
        )
        self._thread.daemon = True
        self._thread.start()
        ready.result()

    def submit(
        self, fn: Callable[[sqlite3.Connection], T], durable: bool = True
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._path.name} is closed")
            self._queue.put((fn, future, durable))
        return future

    async def run(self, fn: Callable[[sqlite3.Connection], T], durable: bool = True) -> T:
        """Run `fn(conn)` in a transaction; returns once it is committed (and, if
        `durable`, fsync'd)."""
        return await asyncio.wrap_future(self.submit(fn, durable))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()

    # ------------------------------------------------------------ writer thread
    def _main(self, schema: str, synchronous: str, ready: concurrent.futures.Future[None]) -> None:
        try:
            conn = full.connect(self._path)  # a full disk raises StorageFullException
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.executescript(schema)
        except Exception as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            stop = False
            while not stop:
                batch: list[tuple[Callable[[sqlite3.Connection], Any], Any, bool]] = []
                item = self._queue.get()
                while True:
                    if item is None:
                        stop = True
                        break
                    batch.append(item)
                    if len(batch) >= _BATCH_MAX:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    self._run_batch(conn, batch)
        finally:
            conn.close()

    def _run_batch(
        self,
        conn: sqlite3.Connection,
        batch: list[tuple[Callable[[sqlite3.Connection], Any], Any, bool]],
    ) -> None:
        outcomes: list[tuple[bool, Any]] = []
        durable = any(item[2] for item in batch)
        try:
            # Set between transactions (it cannot change inside one).
            conn.execute(f"PRAGMA synchronous={self._synchronous if durable else 'NORMAL'}")
            conn.execute("BEGIN IMMEDIATE")
            for fn, _future, _durable in batch:
                conn.execute("SAVEPOINT item")
                try:
                    outcomes.append((True, fn(conn)))
                    conn.execute("RELEASE item")
                except Exception as exc:
                    conn.execute("ROLLBACK TO item")
                    conn.execute("RELEASE item")
                    outcomes.append((False, exc))
            conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _fn, future, _durable in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        # Only now, after the commit, do callers learn their outcome.
        # A caller that gave up (cancelled) may still find its write committed: at-least-once.
        for (_fn, future, _durable), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
