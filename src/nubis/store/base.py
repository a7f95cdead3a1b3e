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
All `close()` methods are idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nubis.model.function import FunctionConfig
from nubis.model.queue import (
    NewMessage,
    QueueCounts,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)


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

    def close(self) -> None: ...


@dataclass(frozen=True)
class QueuedEvent:
    id: str  # the invocation's request id
    function_name: str
    qualifier: str | None
    payload: bytes
    enqueued_at: float  # epoch seconds
    attempts: int = 0


class EventQueue(Protocol):
    def put(self, event: QueuedEvent) -> None: ...

    def lease(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]: ...

    def ack(self, event_id: str) -> None: ...

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
