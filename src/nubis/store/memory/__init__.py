"""In-memory implementations of every store Protocol (`nubis.store.base`): fakes for tests
of the code above the store, checked by the same contract tests as the SQLite stores
(`tests/contract/store/`). They hold their data only as long as the process lives; like
the SQLite stores they are used from one thread (the event loop's), `close()` is
idempotent and other methods raise RuntimeError after it."""

from nubis.store.memory.events import MemoryEventStore
from nubis.store.memory.functions import MemoryBlobStore, MemoryFunctionStore
from nubis.store.memory.queues import MemoryQueueStore
from nubis.store.memory.versions import (
    MemoryConcurrencyStore,
    MemoryLayerStore,
    MemoryVersionStore,
)

__all__ = [
    "MemoryBlobStore",
    "MemoryConcurrencyStore",
    "MemoryEventStore",
    "MemoryFunctionStore",
    "MemoryLayerStore",
    "MemoryQueueStore",
    "MemoryVersionStore",
]
