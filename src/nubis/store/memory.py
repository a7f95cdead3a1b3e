"""In-memory store implementations: fakes for tests and the (not yet durable) event queue.

`MemoryEventQueue` is what asynchronous invocation uses until the durable queue lands: an
accepted event survives as long as the server process does, no longer.
"""

from __future__ import annotations

from nubis.model.function import FunctionConfig
from nubis.store.base import QueuedEvent


class MemoryFunctionStore:
    def __init__(self) -> None:
        self._rows: dict[str, FunctionConfig] = {}

    def get(self, name: str) -> FunctionConfig | None:
        return self._rows.get(name)

    def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        names = sorted(n for n in self._rows if n > (after or ""))
        return [self._rows[n] for n in names[:limit]]

    def create(self, config: FunctionConfig) -> bool:
        if config.name in self._rows:
            return False
        self._rows[config.name] = config
        return True

    def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        current = self._rows.get(config.name)
        if current is None or current.revision_id != expected_revision:
            return False
        self._rows[config.name] = config
        return True

    def delete(self, name: str) -> bool:
        return self._rows.pop(name, None) is not None

    def close(self) -> None:
        pass


class MemoryEventQueue:
    def __init__(self) -> None:
        self._events: dict[str, QueuedEvent] = {}
        self._leased_until: dict[str, float] = {}

    def put(self, event: QueuedEvent) -> None:
        self._events[event.id] = event

    def lease(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        out: list[QueuedEvent] = []
        for event_id, event in self._events.items():
            if len(out) >= limit:
                break
            if self._leased_until.get(event_id, 0.0) <= now:
                self._leased_until[event_id] = now + lease_s
                leased = QueuedEvent(
                    event.id,
                    event.function_name,
                    event.qualifier,
                    event.payload,
                    event.enqueued_at,
                    event.attempts + 1,
                )
                self._events[event_id] = leased
                out.append(leased)
        return out

    def ack(self, event_id: str) -> None:
        self._events.pop(event_id, None)
        self._leased_until.pop(event_id, None)

    def __len__(self) -> int:
        return len(self._events)

    def close(self) -> None:
        pass
