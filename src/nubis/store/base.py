"""The store's boundary: one Protocol per kind of state, each with its contract.

- `FunctionStore`: function metadata; `replace` is a compare-and-swap on the revision id.
- `BlobStore`: code packages, content-addressed by SHA-256, extracted once.
- `VersionStore`: published versions and aliases; `ConcurrencyStore`: reserved and
  provisioned concurrency; `LayerStore`: layer versions.
- `EventQueue` / `DurableEventQueue`: accepted `Event` invocations (at-least-once);
  `EventInvokeConfigStore`: their per-function settings.
- `QueueStore`: the SQS-compatible queues.

What every store promises (`tests/contract/store/` checks each against every
implementation: `nubis.store.memory`, the SQLite modules, `nubis.store.postgres`; a new one
passes the same tests):

- Every method that touches data is a coroutine (a PostgreSQL store cannot block the
  event loop); `close()` and `BlobStore.path` (a name, no I/O) are not. Callers are on
  one thread, the event loop's, and may await several calls at once; no store is safe to
  call from other threads. The SQLite stores run their statements on a writer thread of
  their file (`nubis.store.sqlite`), the file blob store its I/O on worker threads.
- Absence is a value (None, False, an empty list), never an exception; an exception means
  the store failed (`StorageFullException` when the data volume is full: nothing was
  half-written). Records returned are immutable values owned by the caller.
- A write that returned is kept: a durable implementation reopened on the same data holds
  it (the queues' and async events' writes are fsync'd first, except where a method says
  losing it in a crash only repeats a delivery).
- `close()` is idempotent; other methods raise RuntimeError after it (`BlobStore`: see
  there). `drop_function` forgets everything of that function there; idempotent.
- No business rules: limits, defaults and what a name means are the caller's (`control`).
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
    """Functions' configurations ($LATEST), by name."""

    async def get(self, name: str) -> FunctionConfig | None: ...

    async def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        """Up to `limit` functions with names greater than `after` (None: from the first),
        ordered by name: keyset pages, `after` need not be a stored name."""
        ...

    async def create(self, config: FunctionConfig) -> bool:
        """Insert; False (and nothing written) if a function of that name exists."""
        ...

    async def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        """Store `config` (with its new `revision_id`) if the stored revision id is
        `expected_revision`; False otherwise, also if there is no such function. Of two
        updates that read the same revision exactly one wins."""
        ...

    async def delete(self, name: str) -> bool:
        """False if there was no such function."""
        ...

    def close(self) -> None: ...


class BlobStore(Protocol):
    """Code packages (zips), content-addressed by SHA-256 (hex)."""

    async def put(self, data: bytes) -> str:
        """Store a package; returns its SHA-256 hex digest. Idempotent. A package that
        cannot be extracted safely (`nubis.store.package_zip`) is refused with
        InvalidParameterValueException before anything is written. A package is never
        visible under its digest half-written."""
        ...

    def path(self, sha256: str) -> Path:
        """The file holding the package; it exists once `put` returned that digest.
        Synchronous: it computes a name and does no I/O (the code download endpoint
        reads the file off the loop)."""
        ...

    async def unpacked(self, sha256: str) -> Path:
        """The package extracted into a directory, created on the first call and the
        same path on later ones; never modified afterwards (callers treat it as
        read-only). Concurrent first calls may both extract; one result is kept."""
        ...

    async def merged(self, sha256s: Sequence[str]) -> Path:
        """The packages extracted into one directory in order, later files replacing
        earlier ones (how Lambda extracts layers into /opt); created on first call, keyed
        by the digests in their order, never modified afterwards."""
        ...

    def close(self) -> None:
        """Idempotent. The file store holds nothing open and keeps working after it; the
        in-memory one removes its files (paths it handed out stop existing)."""
        ...


@dataclass(frozen=True)
class QueuedEvent:
    id: str  # the invocation's request id
    function_name: str
    qualifier: str | None
    payload: bytes
    enqueued_at: float  # epoch seconds
    attempts: int = 0  # times handed out by a lease (Lambda's approximateInvokeCount)
    retries: int = 0  # retries after function errors used so far
    due_at: float = 0.0  # epoch seconds before which it is not leased; 0: `enqueued_at`


class EventQueue(Protocol):
    """What accepting an `Event` invocation needs (`nubis.control.invoke`)."""

    async def enqueue(self, event: QueuedEvent) -> None:
        """Store the event; returns once it is durable (after this, a crash of the
        process or of the machine does not lose it). Idempotent per `event.id`: a second
        enqueue of an id still stored changes nothing."""
        ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- queues


class QueueStore(Protocol):
    """The queue service's storage (SQS-compatible queues).

    Every method is one atomic transaction; a coroutine that returned has its writes
    fsync'd, except `receive` and `delete_message` (a crash that loses one only makes a
    message visible again: at-least-once). Rules (limits, attribute defaults, what FIFO
    means for a queue) are the caller's (`nubis.control.queues`), passed in as arguments;
    every `now` is the caller's clock (epoch seconds), the store reads none.

    A message is identified by `seq`, unique across queues, growing in send order and
    never reused; its `receipt` is `"<seq>:<token>"` with a token new at every receive.
    A message is visible when `visible_at <= now`; in flight when not visible and
    received at least once; delayed when not visible and never received.
    """

    async def create_queue(self, record: QueueRecord) -> QueueRecord:
        """Insert unless a queue of that name exists; returns the stored record (the
        existing one, unchanged, if there was one)."""
        ...

    async def get_queue(self, name: str) -> QueueRecord | None: ...

    async def list_queues(self, prefix: str) -> list[QueueRecord]:
        """Queues whose names start with `prefix`, ordered by name."""
        ...

    async def set_attributes(self, name: str, attributes: Mapping[str, str], now: float) -> bool:
        """Merge `attributes` into the queue's and set `modified` to `now`; False if
        there is no such queue."""
        ...

    async def delete_queue(self, name: str) -> bool:
        """The queue, its messages and its deduplication records; False if there was none."""
        ...

    async def purge(self, name: str) -> None:
        """Every message of the queue, in flight or not (deduplication records stay)."""
        ...

    async def send(
        self, name: str, messages: Sequence[NewMessage], now: float, dedup_window_s: float
    ) -> list[SentMessage]:
        """Append messages (sent at `now`, visible from their `visible_at`), one result
        each in order; a message with a `group_id` gets a sequence number, its `seq` as
        20 digits. A message with a `dedup_id` seen in this queue in the last
        `dedup_window_s` is not appended again: its result names the earlier message
        (`duplicate`, the earlier message id and sequence number)."""
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
        """Lease up to `limit` visible messages until `now + visibility_s`, each with its
        receive count incremented, a new receipt and `first_receive_at` set on the first
        receive; each message at most once per call (SqliteQueueStore breaks this at
        `visibility_s == 0`: a strict xfail in the contract tests). Not `fifo`: in order
        of `visible_at`. `fifo`: in `seq` order, never a message whose group has one in
        flight or an earlier one not visible yet (several of one group may come in one
        call). On the way, messages sent before `now - retention_s` are deleted, and
        messages received `redrive.max_receive_count` times already move to the queue
        `redrive.target` (visible now, no receipt, `dead_letter_source` set; seq, body,
        receive count and first receive kept; sent time kept, or `now` when `fifo`: a
        FIFO dead letter's retention starts again) instead of being handed out."""
        ...

    async def delete_message(self, name: str, seq: int, token: str) -> bool:
        """Remove the message if `token` is its latest receipt's; False otherwise (a stale
        receipt, another queue's, a message gone)."""
        ...

    async def change_visibility(
        self, name: str, seq: int, token: str, visible_at: float, now: float
    ) -> bool:
        """Move a message's `visible_at` if `token` is its latest receipt's, also when
        its visibility timeout has expired (it is not received again until then); False
        otherwise (a stale receipt, another queue's, a message gone)."""
        ...

    async def set_tags(self, name: str, tags: Mapping[str, str]) -> bool:
        """Replace the queue's tags (`QueueRecord.tags`); False if there is no such
        queue."""
        ...

    async def counts(self, name: str, now: float) -> QueueCounts:
        """Visible, in-flight and delayed messages at `now` (zeros for no such queue)."""
        ...

    async def next_visible_at(self, name: str, now: float) -> float | None:
        """When the earliest message that is not visible now becomes visible."""
        ...

    def close(self) -> None:
        """Finishes the writes submitted before it, then closes. Idempotent."""
        ...


class VersionStore(Protocol):
    """Published versions (immutable snapshots of a function's configuration) and aliases."""

    async def publish(self, config: FunctionConfig) -> FunctionConfig:
        """Store `config` as the function's next version and return it with `version`
        set: "1", "2", ... per function, atomically, never a number handed out before
        while the function exists (also after that version was deleted); after
        `drop_function` a function of the same name starts again at 1."""
        ...

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        """None also for a qualifier that is not a number (`$LATEST`, an alias, "1.0")."""
        ...

    async def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        """Up to `limit` versions numbered above `after`, in ascending order."""
        ...

    async def latest_version(self, name: str) -> FunctionConfig | None:
        """The highest-numbered version still stored."""
        ...

    async def delete_version(self, name: str, version: str) -> bool: ...

    async def get_alias(self, name: str, alias: str) -> Alias | None: ...

    async def list_aliases(self, name: str) -> list[Alias]:
        """Every alias of the function, ordered by alias name."""
        ...

    async def create_alias(self, alias: Alias) -> bool:
        """Insert; False if the function has an alias of that name already."""
        ...

    async def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        """A compare-and-swap on the alias's revision id, like `FunctionStore.replace`."""
        ...

    async def delete_alias(self, name: str, alias: str) -> bool: ...

    async def drop_function(self, name: str) -> None:
        """Its versions, its version counter and its aliases."""
        ...

    def close(self) -> None: ...


class ConcurrencyStore(Protocol):
    """Reserved concurrency per function and provisioned-concurrency configurations per
    (function, qualifier): plain records, the rules are in `control`."""

    async def reserved(self, name: str) -> int | None: ...

    async def all_reserved(self) -> dict[str, int]:
        """Every function's reserved concurrency (a copy)."""
        ...

    async def set_reserved(self, name: str, value: int | None) -> None:
        """Set (or with None remove, idempotently) the function's reserved concurrency."""
        ...

    async def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None: ...

    async def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        """The function's configurations by qualifier (every function's with None, by
        function then qualifier)."""
        ...

    async def put_provisioned(self, config: ProvisionedConfig) -> None:
        """Insert or replace."""
        ...

    async def delete_provisioned(self, name: str, qualifier: str) -> bool: ...

    async def drop_function(self, name: str) -> None: ...

    def close(self) -> None: ...


class LayerStore(Protocol):
    """Layer versions, numbered 1, 2, ... per layer name."""

    async def publish(self, layer: LayerVersion) -> LayerVersion:
        """Store as the layer's next version; returns it with `version` set. Numbers are
        never reused, also after every version of the layer was deleted."""
        ...

    async def get(self, name: str, version: int) -> LayerVersion | None: ...

    async def versions(self, name: str) -> list[LayerVersion]:
        """Every version of the layer, newest first."""
        ...

    async def names(self) -> list[str]:
        """Names of layers with at least one version, ordered."""
        ...

    async def delete(self, name: str, version: int) -> bool: ...

    def close(self) -> None: ...


# ----------------------------------------------------------------- async invocation
# The durable queue behind `Event` invocations, and the per-function async settings.


class DurableEventQueue(EventQueue, Protocol):
    """What the async workers use. Every coroutine commits before it returns, durably
    unless it says otherwise; every `now` is the caller's clock.

    An event is waiting (leased once `due_at <= now`) or leased (handed to a worker). A
    lease ends with `finish` (gone), `reschedule` (waiting again) or `release_all`: this
    queue has a single owner, which calls it when it starts, so the leases of a server
    that died come back then. `lease_s` is recorded with the lease; single-owner
    implementations do not hand an expired lease out again before `release_all`. A store
    shared by several nodes (`nubis.store.postgres`) does: an event whose lease expired is
    waiting again, each lease records its owner (the node), `next_due` counts the expiry
    of other owners' leases as due, `release_all` ends only the owner's leases and
    `reschedule` moves only an event the owner still holds.
    """

    async def lease_due(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        """Up to `limit` waiting events with `due_at <= now`, by `due_at` then arrival,
        leased until `now + lease_s`; each comes back with `attempts` incremented. Not
        durable: a lease lost in a crash is one that `release_all` would end anyway."""
        ...

    async def reschedule(self, event: QueuedEvent) -> None:
        """End the lease; the event waits again until `event.due_at` with `event.retries`
        (its payload, `enqueued_at` and `attempts` stay the stored ones)."""
        ...

    async def finish(self, event_id: str) -> None:
        """Remove the event (done, or handed to its destination). Idempotent. Not durable:
        if the removal is lost in a crash the event runs again (at least once)."""
        ...

    async def release_all(self) -> int:
        """End every lease (a shared store: every lease of this owner); how many there
        were."""
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
        """Forget the function's configs (of every qualifier). Idempotent."""
        ...
