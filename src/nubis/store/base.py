"""The store's boundary.

- `FunctionStore`: function metadata. Writes are atomic; `replace` is a compare-and-swap
  on the revision id so that two concurrent updates cannot both win. Thread-safe only from
  the thread that created it (the event loop thread).
- `BlobStore`: code packages, content-addressed by SHA-256 (hex). `put` is idempotent;
  `unpacked` extracts a package once into a directory that is never modified afterwards
  (callers must treat it as read-only) and returns it on later calls.
- `EventQueue`: accepted asynchronous invocations waiting to run. `put` returns only once
  the event is held; `lease` hands an event out for `lease_s` seconds (it comes back if not
  acked by then); `ack` removes it. At-least-once delivery.
- `VersionStore`: published versions (immutable snapshots, numbered 1, 2, ... per
  function; a number is never handed out twice while the function exists) and aliases
  (`replace_alias` is a compare-and-swap on the alias's revision id, like `replace`).
- `ConcurrencyStore`: reserved concurrency per function and provisioned-concurrency
  configurations per (function, qualifier). Plain records; the rules are in `control`.
- `LayerStore`: layer versions, numbered 1, 2, ... per layer name; numbers are never
  reused, also after every version of a layer was deleted.
Each `drop_function` forgets everything of that function; idempotent.
All `close()` methods are idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nubis.model.async_config import EventInvokeConfig
from nubis.model.function import FunctionConfig
from nubis.model.queue import (
    NewMessage,
    QueueCounts,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)
from nubis.model.versions import Alias, LayerVersion, ProvisionedConfig


class FunctionStore(Protocol):
    def get(self, name: str) -> FunctionConfig | None: ...

    def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        """Up to `limit` functions with names greater than `after`, ordered by name."""
        ...

    def create(self, config: FunctionConfig) -> bool:
        """Insert; False if a function of that name exists already."""
        ...

    def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        """Replace if the stored revision id is `expected_revision`; False otherwise."""
        ...

    def delete(self, name: str) -> bool: ...

    def close(self) -> None: ...


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store a package; returns its SHA-256 hex digest."""
        ...

    def path(self, sha256: str) -> Path:
        """The file holding the package (it must exist)."""
        ...

    def unpacked(self, sha256: str) -> Path:
        """The package extracted into a directory (created on first call)."""
        ...

    def merged(self, sha256s: Sequence[str]) -> Path:
        """The packages extracted into one directory in order, later files replacing
        earlier ones (how Lambda extracts layers into /opt); created on first call, keyed
        by the digests, never modified afterwards."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class QueuedEvent:
    id: str  # the invocation's request id
    function_name: str
    qualifier: str | None
    payload: bytes
    enqueued_at: float  # epoch seconds
    attempts: int = 0  # times handed out by a lease (Lambda's approximateInvokeCount)
    retries: int = 0  # retries after function errors used so far
    due_at: float = 0.0  # epoch seconds before which it is not leased (retry delay)


class EventQueue(Protocol):
    """What accepting an `Event` invocation needs (`nubis.control.invoke`)."""

    async def enqueue(self, event: QueuedEvent) -> None:
        """Store the event; returns once it is durable (after this, a crash of the
        process or of the machine does not lose it). Idempotent per `event.id`: a second
        enqueue of an id still stored changes nothing."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- queues
# The queue service's storage (SQS-compatible queues). Every method is a single atomic
# transaction; a coroutine that returned has its writes durably committed (fsync). Rules
# (limits, attribute defaults, what "FIFO" means for a receive) are the caller's
# (`nubis.control.queues`), passed in as arguments. Safe to call concurrently from one
# event loop. `close()` is idempotent; other methods fail after it.


class QueueStore(Protocol):
    async def create_queue(self, record: QueueRecord) -> QueueRecord:
        """Insert unless a queue of that name exists; returns the stored record."""
        ...

    async def get_queue(self, name: str) -> QueueRecord | None: ...

    async def list_queues(self, prefix: str) -> list[QueueRecord]:
        """Queues whose names start with `prefix`, ordered by name."""
        ...

    async def set_attributes(self, name: str, attributes: Mapping[str, str], now: float) -> bool:
        """Merge `attributes` into the queue's; False if there is no such queue."""
        ...

    async def delete_queue(self, name: str) -> bool:
        """The queue and its messages; False if there was none."""
        ...

    async def purge(self, name: str) -> None: ...

    async def send(
        self, name: str, messages: Sequence[NewMessage], now: float, dedup_window_s: float
    ) -> list[SentMessage]:
        """Append messages. A message with a `dedup_id` seen in the last `dedup_window_s`
        is not appended again: its result names the earlier message (`duplicate`)."""
        ...

    async def receive(
        self,
        name: str,
        now: float,
        limit: int,
        visibility_s: float,
        *,
        fifo: bool,
        redrive: Redrive | None,
        retention_s: float,
    ) -> list[StoredMessage]:
        """Lease up to `limit` visible messages for `visibility_s`, each with a new receipt.
        Messages received `redrive.max_receive_count` times already move to the redrive
        target instead; older than `retention_s` are dropped. `fifo`: in sequence order,
        never a message whose group has one in flight."""
        ...

    async def delete_message(self, name: str, seq: int, token: str) -> bool:
        """Remove the message if `token` is its latest receipt; False otherwise."""
        ...

    async def change_visibility(
        self, name: str, seq: int, token: str, visible_at: float, now: float
    ) -> bool:
        """Move an in-flight message's visibility; False if it is not in flight under
        that receipt."""
        ...

    async def counts(self, name: str, now: float) -> QueueCounts: ...

    async def next_visible_at(self, name: str, now: float) -> float | None:
        """When the earliest message that is not visible now becomes visible."""
        ...

    def close(self) -> None: ...


class VersionStore(Protocol):
    def publish(self, config: FunctionConfig) -> FunctionConfig:
        """Store `config` as the function's next version; returns it with `version` set."""
        ...

    def get_version(self, name: str, version: str) -> FunctionConfig | None: ...

    def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        """Up to `limit` versions numbered above `after`, in ascending order."""
        ...

    def latest_version(self, name: str) -> FunctionConfig | None: ...

    def delete_version(self, name: str, version: str) -> bool: ...

    def get_alias(self, name: str, alias: str) -> Alias | None: ...

    def list_aliases(self, name: str) -> list[Alias]:
        """Every alias of the function, ordered by alias name."""
        ...

    def create_alias(self, alias: Alias) -> bool:
        """Insert; False if the function has an alias of that name already."""
        ...

    def replace_alias(self, alias: Alias, expected_revision: str) -> bool: ...

    def delete_alias(self, name: str, alias: str) -> bool: ...

    def drop_function(self, name: str) -> None: ...

    def close(self) -> None: ...


class ConcurrencyStore(Protocol):
    def reserved(self, name: str) -> int | None: ...

    def all_reserved(self) -> dict[str, int]: ...

    def set_reserved(self, name: str, value: int | None) -> None:
        """Set (or with None remove) the function's reserved concurrency."""
        ...

    def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None: ...

    def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        """The function's configurations (every function's with None), by qualifier."""
        ...

    def put_provisioned(self, config: ProvisionedConfig) -> None: ...

    def delete_provisioned(self, name: str, qualifier: str) -> bool: ...

    def drop_function(self, name: str) -> None: ...

    def close(self) -> None: ...


class LayerStore(Protocol):
    def publish(self, layer: LayerVersion) -> LayerVersion:
        """Store as the layer's next version; returns it with `version` set."""
        ...

    def get(self, name: str, version: int) -> LayerVersion | None: ...

    def versions(self, name: str) -> list[LayerVersion]:
        """Every version of the layer, newest first."""
        ...

    def names(self) -> list[str]:
        """Names of layers with at least one version, ordered."""
        ...

    def delete(self, name: str, version: int) -> bool: ...

    def close(self) -> None: ...


# ----------------------------------------------------------------- async invocation
# The durable queue behind `Event` invocations, and the per-function async settings.


class DurableEventQueue(EventQueue, Protocol):
    """What the async workers use. Every coroutine commits durably before it returns.

    An event is in one of two states: waiting (`due_at` in the future or past) or leased
    (handed to a worker until `leased_until`). A lease that ends without `finish` or
    `reschedule` (the process died) makes the event waiting again: at-least-once.
    """

    async def lease_due(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        """Up to `limit` waiting events with `due_at <= now`, oldest first, leased until
        `now + lease_s`; each comes back with `attempts` incremented."""
        ...

    async def reschedule(self, event: QueuedEvent) -> None:
        """End the lease; the event waits again until `event.due_at` with its counters."""
        ...

    async def finish(self, event_id: str) -> None:
        """Remove the event (done, or handed to its destination). Idempotent."""
        ...

    async def release_all(self) -> int:
        """End every lease (at startup: the single owner of this queue restarted)."""
        ...

    async def next_due(self) -> float | None:
        """The earliest `due_at` of a waiting event, None if there is none."""
        ...

    async def depth(self) -> int:
        """Events stored (waiting or leased)."""
        ...


class EventInvokeConfigStore(Protocol):
    """Per (function, qualifier) asynchronous-invocation settings. Durable on return."""

    async def get_config(self, function: str, qualifier: str) -> EventInvokeConfig | None: ...

    async def put_config(self, config: EventInvokeConfig) -> None:
        """Insert or replace."""
        ...

    async def delete_config(self, function: str, qualifier: str) -> bool: ...

    async def list_configs(self, function: str) -> list[EventInvokeConfig]:
        """Ordered by qualifier."""
        ...

    async def drop_function_configs(self, function: str) -> None:
        """Forget the function's configs (of every qualifier)."""
        ...
