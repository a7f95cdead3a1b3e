"""Every implementation against its Protocols, for mypy: a method missing or typed apart
from its Protocol fails the type check here, before a contract test runs. Nothing calls
these functions; the contract tests (`tests/contract/store/`) check the behaviour."""

from __future__ import annotations

from nubis.store.base import (
    BlobStore,
    ConcurrencyStore,
    DurableEventQueue,
    EventInvokeConfigStore,
    FunctionStore,
    LayerStore,
    QueueStore,
    VersionStore,
)
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


def functions(m: MemoryFunctionStore, s: SqliteFunctionStore) -> list[FunctionStore]:
    return [m, s]


def blobs(m: MemoryBlobStore, f: FileBlobStore) -> list[BlobStore]:
    return [m, f]


def versions(m: MemoryVersionStore, s: SqliteVersionStore) -> list[VersionStore]:
    return [m, s]


def concurrency(m: MemoryConcurrencyStore, s: SqliteConcurrencyStore) -> list[ConcurrencyStore]:
    return [m, s]


def layers(m: MemoryLayerStore, s: SqliteLayerStore) -> list[LayerStore]:
    return [m, s]


def events(m: MemoryEventStore, s: SqliteEventStore) -> list[DurableEventQueue]:
    return [m, s]


def event_configs(m: MemoryEventStore, s: SqliteEventStore) -> list[EventInvokeConfigStore]:
    return [m, s]


def queues(m: MemoryQueueStore, s: SqliteQueueStore) -> list[QueueStore]:
    return [m, s]
