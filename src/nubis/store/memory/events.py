"""In-memory `DurableEventQueue` and `EventInvokeConfigStore`: a fake of
`nubis.store.sqlite.events.SqliteEventStore` for tests of the async workers and rules.
"Durable" here means held until the process ends; the ordering, lease and counter rules
are the SQLite store's."""

from __future__ import annotations

from dataclasses import dataclass, replace

from nubis.model.async_config import EventInvokeConfig
from nubis.store.base import QueuedEvent
from nubis.store.memory._closing import Closing


@dataclass
class _Held:
    seq: int  # arrival order: ties of `due_at` are leased first come, first served
    event: QueuedEvent
    leased_until: float = 0.0  # 0: waiting


class MemoryEventStore(Closing):
    def __init__(self) -> None:
        self._events: dict[str, _Held] = {}
        self._seq = 0
        self._configs: dict[tuple[str, str], EventInvokeConfig] = {}

    # -- DurableEventQueue
    async def enqueue(self, event: QueuedEvent) -> None:
        self._open()
        if event.id in self._events:
            return
        self._seq += 1
        due = replace(event, due_at=event.due_at or event.enqueued_at)
        self._events[event.id] = _Held(self._seq, due)

    async def lease_due(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        self._open()
        due = sorted(
            (h for h in self._events.values() if h.leased_until == 0 and h.event.due_at <= now),
            key=lambda h: (h.event.due_at, h.seq),
        )
        out: list[QueuedEvent] = []
        for held in due[: max(limit, 0)]:
            held.event = replace(held.event, attempts=held.event.attempts + 1)
            held.leased_until = now + lease_s
            out.append(held.event)
        return out

    async def reschedule(self, event: QueuedEvent) -> None:
        self._open()
        held = self._events.get(event.id)
        if held is not None:
            held.event = replace(held.event, retries=event.retries, due_at=event.due_at)
            held.leased_until = 0.0

    async def finish(self, event_id: str) -> None:
        self._open()
        self._events.pop(event_id, None)

    async def release_all(self) -> int:
        self._open()
        leased = [h for h in self._events.values() if h.leased_until > 0]
        for held in leased:
            held.leased_until = 0.0
        return len(leased)

    async def next_due(self) -> float | None:
        self._open()
        waiting = [h.event.due_at for h in self._events.values() if h.leased_until == 0]
        return min(waiting, default=None)

    async def depth(self) -> int:
        self._open()
        return len(self._events)

    # -- EventInvokeConfigStore
    async def get_config(self, function: str, qualifier: str) -> EventInvokeConfig | None:
        self._open()
        return self._configs.get((function, qualifier))

    async def put_config(self, config: EventInvokeConfig) -> None:
        self._open()
        self._configs[(config.function_name, config.qualifier)] = config

    async def delete_config(self, function: str, qualifier: str) -> bool:
        self._open()
        return self._configs.pop((function, qualifier), None) is not None

    async def list_configs(self, function: str) -> list[EventInvokeConfig]:
        self._open()
        return [c for (f, _q), c in sorted(self._configs.items()) if f == function]

    async def drop_function_configs(self, function: str) -> None:
        self._open()
        for key in [k for k in self._configs if k[0] == function]:
            del self._configs[key]
