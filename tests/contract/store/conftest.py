"""Every store Protocol against every implementation.

A backend is one entry of `BACKENDS`: how to open each store at a directory. PostgreSQL's
(`postgres(dsn)`) is built per test: each test gets a schema of its own (created, migrated
by the stores, dropped after the test) in the session's throw-away database
(`postgres_dsn`, tests/conftest.py; skipped when no PostgreSQL answers). `durable`
backends are also reopened on the same directory to show that what a method acknowledged
survives `close()`.

The tests are coroutines and await every store call (every Protocol is async but
`close()` and `BlobStore.path`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo

from nubis.store.blobs import FileBlobStore
from nubis.store.memory import (
    MemoryBlobStore,
    MemoryConcurrencyStore,
    MemoryEventStore,
    MemoryFunctionStore,
    MemoryLayerStore,
    MemoryQueueStore,
    MemoryVersionStore,
)
from nubis.store.postgres import (
    PostgresBlobStore,
    PostgresConcurrencyStore,
    PostgresEventStore,
    PostgresFunctionStore,
    PostgresLayerStore,
    PostgresQueueStore,
    PostgresVersionStore,
)
from nubis.store.postgres import db as pg_db
from nubis.store.sqlite import (
    SqliteConcurrencyStore,
    SqliteEventStore,
    SqliteFunctionStore,
    SqliteLayerStore,
    SqliteQueueStore,
    SqliteVersionStore,
)

Open = Callable[[Path], Any]


@dataclass(frozen=True)
class Backend:
    name: str
    durable: bool  # a store reopened on the same directory holds what was acknowledged
    functions: Open
    blobs: Open
    versions: Open
    concurrency: Open
    layers: Open
    events: Open  # DurableEventQueue and EventInvokeConfigStore
    queues: Open
    # The event queue has one owner (one server): a lease ends only by finish, reschedule
    # or release_all, never by time. A store shared by nodes hands expired leases on.
    single_owner: bool = True


BACKENDS = [
    Backend(
        "memory",
        durable=False,
        functions=lambda _d: MemoryFunctionStore(),
        blobs=lambda _d: MemoryBlobStore(),
        versions=lambda _d: MemoryVersionStore(),
        concurrency=lambda _d: MemoryConcurrencyStore(),
        layers=lambda _d: MemoryLayerStore(),
        events=lambda _d: MemoryEventStore(),
        queues=lambda _d: MemoryQueueStore(),
    ),
    Backend(
        "sqlite",  # the files `nubis serve` uses in its data directory
        durable=True,
        functions=lambda d: SqliteFunctionStore(d / "nubis.db"),
        blobs=lambda d: FileBlobStore(d / "code"),
        versions=lambda d: SqliteVersionStore(d / "nubis.db"),
        concurrency=lambda d: SqliteConcurrencyStore(d / "nubis.db"),
        layers=lambda d: SqliteLayerStore(d / "nubis.db"),
        events=lambda d: SqliteEventStore(d / "events.db"),
        queues=lambda d: SqliteQueueStore(d / "queues.db"),
    ),
]
LOCAL = {b.name: b for b in BACKENDS}


def postgres(dsn: str) -> Backend:
    """The PostgreSQL stores on `dsn` (one node's: its event leases are "node-a"'s; the
    blob store's local cache is in the directory)."""
    return Backend(
        "postgres",
        durable=True,
        functions=lambda _d: PostgresFunctionStore(dsn),
        blobs=lambda d: PostgresBlobStore(dsn, d / "code"),
        versions=lambda _d: PostgresVersionStore(dsn),
        concurrency=lambda _d: PostgresConcurrencyStore(dsn),
        layers=lambda _d: PostgresLayerStore(dsn),
        events=lambda _d: PostgresEventStore(dsn, owner="node-a"),
        queues=lambda _d: PostgresQueueStore(dsn),
        single_owner=False,
    )


@contextlib.contextmanager
def schema(dsn: str) -> Iterator[str]:
    """A DSN whose tables go to a new, empty schema of the database (dropped after)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}".encode())
        try:
            yield conninfo.make_conninfo(dsn, options=f"-c search_path={name}")
        finally:
            conn.execute(f"DROP SCHEMA {name} CASCADE".encode())


class Opened:
    """Opens stores of one backend in one directory, as often as a test asks (a reopen
    sees the data if the backend is durable); at the end closes each twice, since
    `close()` is idempotent."""

    def __init__(self, backend: Backend, where: Path) -> None:
        self.backend = backend
        self._where = where
        self._stores: list[Any] = []

    def __call__(self, kind: str) -> Any:
        opened = getattr(self.backend, kind)(self._where)
        self._stores.append(opened)
        return opened

    def close_all(self) -> None:
        for opened in self._stores:
            opened.close()
            opened.close()


def _params(names: list[str]) -> list[Any]:
    return [
        pytest.param(n, id=n, marks=[pytest.mark.postgres] if n == "postgres" else [])
        for n in names
    ]


@contextlib.contextmanager
def _resolved(request: pytest.FixtureRequest, name: str) -> Iterator[Backend]:
    if name != "postgres":
        yield LOCAL[name]
        return
    with schema(request.getfixturevalue("postgres_dsn")) as dsn:
        yield postgres(dsn)
        # Every store object closed, the DSN's pool (connections, threads) with them.
        assert dsn not in pg_db._pools, "a PostgreSQL store was left open"


@pytest.fixture(params=_params([*LOCAL, "postgres"]))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    with _resolved(request, request.param) as b:
        yield b


DURABLE = [*(b.name for b in BACKENDS if b.durable), "postgres"]


@pytest.fixture(params=_params(DURABLE))
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    """`durable("functions")` opens a store of a durable backend; call again to reopen."""
    with _resolved(request, request.param) as b:
        opened = Opened(b, tmp_path)
        yield opened
        opened.close_all()


def _one(kind: str) -> Any:
    def fixture(backend: Backend, tmp_path: Path) -> Iterator[Any]:
        opened = Opened(backend, tmp_path)
        yield opened(kind)
        opened.close_all()

    fixture.__doc__ = f"An open {kind} store of each backend."
    return pytest.fixture(name=kind)(fixture)


functions = _one("functions")
blobs = _one("blobs")
versions = _one("versions")
concurrency = _one("concurrency")
layers = _one("layers")
events = _one("events")
queues = _one("queues")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run coroutine tests on a fresh event loop (no pytest plugin is needed for it)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True
