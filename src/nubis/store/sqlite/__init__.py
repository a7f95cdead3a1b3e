"""The embedded default: SQLite files in the data directory.

- `nubis.db` (WAL, `synchronous=NORMAL`): functions, versions and aliases, concurrency,
  layers; four store objects sharing one writer thread (`db.SqliteDb`), reads included.
- `events.db` and `queues.db` (WAL, `synchronous=FULL`): one writer thread each with group
  commit (`writer.SqliteWriter`), so every acknowledged write is fsync'd without one fsync
  per request.
"""

from nubis.store.sqlite.concurrency import SqliteConcurrencyStore
from nubis.store.sqlite.events import SqliteEventStore
from nubis.store.sqlite.functions import SqliteFunctionStore
from nubis.store.sqlite.layers import SqliteLayerStore
from nubis.store.sqlite.queues import SqliteQueueStore
from nubis.store.sqlite.versions import SqliteVersionStore

__all__ = [
    "SqliteConcurrencyStore",
    "SqliteEventStore",
    "SqliteFunctionStore",
    "SqliteLayerStore",
    "SqliteQueueStore",
    "SqliteVersionStore",
]
