"""The cluster store: every store Protocol on one PostgreSQL database shared by the nodes.

- `db.py`: the connection pool (psycopg 3, on worker threads) shared by the store
  objects of one DSN; each call is one transaction, committed before it returns.
- `migrations.py`: the schema, versioned, applied under an advisory lock.
- One module per Protocol: `functions`, `versions`, `concurrency`, `layers`, `blobs`
  (chunked `bytea`, a local unpack cache), `events` (leases that expire, taken with
  `SKIP LOCKED`), `queues` and `receive` (SQS semantics).
"""

from nubis.store.postgres.blobs import PostgresBlobStore
from nubis.store.postgres.concurrency import PostgresConcurrencyStore
from nubis.store.postgres.events import PostgresEventStore
from nubis.store.postgres.functions import PostgresFunctionStore
from nubis.store.postgres.layers import PostgresLayerStore
from nubis.store.postgres.migrations import migrate
from nubis.store.postgres.queues import PostgresQueueStore
from nubis.store.postgres.versions import PostgresVersionStore

__all__ = [
    "PostgresBlobStore",
    "PostgresConcurrencyStore",
    "PostgresEventStore",
    "PostgresFunctionStore",
    "PostgresLayerStore",
    "PostgresQueueStore",
    "PostgresVersionStore",
    "migrate",
]
