"""Every store Protocol against every implementation.

A backend is one entry of `BACKENDS`: how to open each store at a directory. A third
implementation (PostgreSQL) is one more entry; every test here then runs against it too.
`durable` backends are also reopened on the same directory to show that what a method
acknowledged survives `close()`.

The tests are coroutines and await every store call (every Protocol is async but
`close()` and `BlobStore.path`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
    # or release_all, never by time. A store shared by nodes would hand expired leases on.
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


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    b: Backend = request.param
    return b


DURABLE = [b for b in BACKENDS if b.durable]


@pytest.fixture(params=DURABLE, ids=[b.name for b in DURABLE])
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    """`durable("functions")` opens a store of a durable backend; call again to reopen."""
    opened = Opened(request.param, tmp_path)
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
