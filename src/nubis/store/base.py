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

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nubis.model.function import FunctionConfig


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
