"""The PostgreSQL stores against their Protocols, for mypy (as `nubis.store.conformance`
does for the others): a method missing or typed apart from its Protocol fails the type
check. Nothing calls these functions."""

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
from nubis.store.postgres import (
    PostgresBlobStore,
    PostgresConcurrencyStore,
    PostgresEventStore,
    PostgresFunctionStore,
    PostgresLayerStore,
    PostgresQueueStore,
    PostgresVersionStore,
)


def stores(
    f: PostgresFunctionStore,
    b: PostgresBlobStore,
    v: PostgresVersionStore,
    c: PostgresConcurrencyStore,
    layers: PostgresLayerStore,
    e: PostgresEventStore,
    q: PostgresQueueStore,
) -> tuple[
    FunctionStore,
    BlobStore,
    VersionStore,
    ConcurrencyStore,
    LayerStore,
    DurableEventQueue,
    EventInvokeConfigStore,
    QueueStore,
]:
    return f, b, v, c, layers, e, e, q
