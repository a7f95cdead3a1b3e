"""The connection pool under the PostgreSQL stores, shared by the store objects of one DSN.

A store object is opened and closed synchronously (`close()` is not a coroutine in any
store Protocol) and may be used from more than one event loop in its life (the contract
tests open stores before a loop runs). So the stores use psycopg's synchronous driver on a
small thread pool of their own rather than connections bound to one loop: every statement
runs on a worker thread, none blocks the event loop, and `close()` can finish what was
submitted and close the sockets without awaiting.

The first store object of a DSN in a process creates its `PgPool` and applies the
migrations (`nubis.store.postgres.migrations`, under an advisory lock: safe when several
nodes start at once); later ones share it; the last `close()` closes it.

`PostgresDb._run(fn)` runs `fn(conn)` in one transaction and returns once it is committed:
with `synchronous_commit = on` (PostgreSQL's default) the commit is in the WAL on disk
before `_run` returns. `durable=False` commits with `synchronous_commit = off`, for the
writes whose loss in a crash only repeats a delivery (ending a lease, deleting a finished
event, a receive), as the SQLite stores do with `synchronous=NORMAL`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from nubis.model.errors import StorageFullException
from nubis.store.postgres import migrations

T = TypeVar("T")
Conn = psycopg.Connection[TupleRow]

# Connections (and worker threads) per DSN: a node's stores share them.
POOL_SIZE = 8

_lock = threading.Lock()
_pools: dict[str, tuple[PgPool, int]] = {}


class PgPool:
    """A psycopg connection pool and the worker threads that use it."""

    def __init__(self, dsn: str) -> None:
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            dsn,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            open=False,
            name="nubis",
        )
        self.pool.open(wait=True, timeout=30.0)
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=POOL_SIZE, thread_name_prefix="pg"
        )

    def transact(self, fn: Callable[[Conn], T], durable: bool) -> T:
        """`fn(conn)` in a transaction, committed before this returns (worker thread)."""
        try:
            with self.pool.connection() as conn, conn.transaction():
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit = off")
                return fn(conn)
        except psycopg.errors.DiskFull as exc:
            raise StorageFullException() from exc

    def close(self) -> None:
        self.executor.shutdown(wait=True)  # finishes what was submitted before it
        self.pool.close()


def _acquire(dsn: str) -> PgPool:
    with _lock:
        held = _pools.get(dsn)
        if held is not None:
            _pools[dsn] = (held[0], held[1] + 1)
            return held[0]
        migrations.migrate(dsn)  # once per DSN and process; blocks while a store opens
        pool = PgPool(dsn)
        _pools[dsn] = (pool, 1)
        return pool


def _release(dsn: str) -> None:
    with _lock:
        pool, count = _pools[dsn]
        if count > 1:
            _pools[dsn] = (pool, count - 1)
            return
        del _pools[dsn]
    pool.close()


class PostgresDb:
    """A store object on a PostgreSQL database (a DSN, libpq's syntax: a URL or
    `key=value` pairs). `close()` is idempotent; `_run` after it raises RuntimeError."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._pool: PgPool | None = _acquire(dsn)

    async def _run(self, fn: Callable[[Conn], T], durable: bool = True) -> T:
        pool = self._pool
        if pool is None:
            raise RuntimeError("store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool.executor, pool.transact, fn, durable)

    def close(self) -> None:
        if self._pool is not None:
            self._pool = None
            _release(self._dsn)
