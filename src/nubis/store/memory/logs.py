"""In-memory `LogStore`: the fake of `nubis.store.sqlite.logs.SqliteLogStore` for tests of
the CloudWatch Logs rules, with the same positions, sequence numbers and orders."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from nubis.model.logs import LogEvent, LogGroup, LogStream, NewEvent, Position, StreamKey
from nubis.store.logs import DAY_MS, Created
from nubis.store.memory._closing import Closing


@dataclass
class _Stream:
    record: LogStream
    keys: list[Position] = field(default_factory=list)  # sorted, parallel to `events`
    events: list[LogEvent] = field(default_factory=list)


@dataclass
class _Group:
    record: LogGroup
    streams: dict[str, _Stream] = field(default_factory=dict)


def _in_range(e: LogEvent, start: int | None, end: int | None, end_inclusive: bool) -> bool:
    if start is not None and e.timestamp < start:
        return False
    if end is None:
        return True
    return e.timestamp <= end if end_inclusive else e.timestamp < end


class MemoryLogStore(Closing):
    def __init__(self) -> None:
        self._groups: dict[str, _Group] = {}
        self._seq = 0

    # ------------------------------------------------------------ groups
    async def create_group(self, group: LogGroup) -> Created:
        self._open()
        if group.name in self._groups:
            return Created.EXISTS
        self._groups[group.name] = _Group(group)
        return Created.CREATED

    async def get_group(self, name: str) -> LogGroup | None:
        self._open()
        g = self._groups.get(name)
        return g.record if g is not None else None

    async def list_groups(
        self, prefix: str | None, contains: str | None, after: str | None, limit: int
    ) -> list[LogGroup]:
        self._open()
        out = []
        for name in sorted(self._groups):
            if prefix is not None and not name.startswith(prefix):
                continue
            if contains is not None and contains.lower() not in name.lower():
                continue
            if after is not None and name <= after:
                continue
            out.append(self._groups[name].record)
            if len(out) >= limit:
                break
        return out

    async def set_retention(self, name: str, days: int | None) -> bool:
        self._open()
        g = self._groups.get(name)
        if g is None:
            return False
        g.record = replace(g.record, retention_days=days)
        return True

    async def tag_group(self, name: str, add: Mapping[str, str], remove: Sequence[str]) -> bool:
        self._open()
        g = self._groups.get(name)
        if g is None:
            return False
        tags = {**g.record.tags, **add}
        for key in remove:
            tags.pop(key, None)
        g.record = replace(g.record, tags=tags)
        return True

    async def delete_group(self, name: str) -> bool:
        self._open()
        return self._groups.pop(name, None) is not None

    # ------------------------------------------------------------ streams
    async def create_stream(self, stream: LogStream) -> Created:
        self._open()
        g = self._groups.get(stream.group)
        if g is None:
            return Created.NO_GROUP
        if stream.name in g.streams:
            return Created.EXISTS
        g.streams[stream.name] = _Stream(stream)
        return Created.CREATED

    def _stream(self, group: str, name: str) -> _Stream | None:
        g = self._groups.get(group)
        return g.streams.get(name) if g is not None else None

    async def get_stream(self, group: str, name: str) -> LogStream | None:
        self._open()
        s = self._stream(group, name)
        return s.record if s is not None else None

    async def list_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        after: StreamKey | None,
        limit: int,
    ) -> list[LogStream]:
        self._open()
        g = self._groups.get(group)
        if g is None:
            return []

        def key(s: LogStream) -> tuple[int, str]:
            return (s.last_event or 0, s.name) if by_last_event else (0, s.name)

        records = sorted((s.record for s in g.streams.values()), key=key, reverse=descending)
        if prefix is not None:
            records = [r for r in records if r.name.startswith(prefix)]
        if after is not None:
            mark = (after.last_event, after.name) if by_last_event else (0, after.name)
            records = [r for r in records if (key(r) < mark if descending else key(r) > mark)]
        return records[:limit]

    async def delete_stream(self, group: str, name: str) -> bool:
        self._open()
        g = self._groups.get(group)
        if g is None or name not in g.streams:
            return False
        gone = g.streams.pop(name)
        self._drop_bytes(g, gone.events)
        return True

    @staticmethod
    def _drop_bytes(g: _Group, events: Sequence[LogEvent]) -> None:
        size = sum(len(e.message.encode()) for e in events)
        g.record = replace(g.record, stored_bytes=max(0, g.record.stored_bytes - size))

    # ------------------------------------------------------------ events
    async def append(
        self, group: str, stream: str, events: Sequence[NewEvent], ingestion_ms: int
    ) -> LogStream | None:
        self._open()
        g = self._groups.get(group)
        s = g.streams.get(stream) if g is not None else None
        if g is None or s is None:
            return None
        for new in events:
            self._seq += 1
            event = LogEvent(stream, new.timestamp, new.message, ingestion_ms, self._seq)
            at = bisect.bisect(s.keys, event.position)
            s.keys.insert(at, event.position)
            s.events.insert(at, event)
        r = s.record
        if events:
            first = min(e.timestamp for e in events)
            last = max(e.timestamp for e in events)
            r = replace(
                r,
                first_event=first if r.first_event is None else min(r.first_event, first),
                last_event=last if r.last_event is None else max(r.last_event, last),
                last_ingestion=ingestion_ms,
            )
        s.record = replace(r, sequence=r.sequence + 1)
        size = sum(len(e.message.encode()) for e in events)
        g.record = replace(g.record, stored_bytes=g.record.stored_bytes + size)
        return s.record

    async def read_stream(
        self,
        group: str,
        stream: str,
        start_ms: int | None,
        end_ms: int | None,
        after: Position | None,
        before: Position | None,
        limit: int,
        from_head: bool,
    ) -> list[LogEvent]:
        self._open()
        s = self._stream(group, stream)
        if s is None:
            return []
        events = [e for e in s.events if _in_range(e, start_ms, end_ms, end_inclusive=False)]
        if after is not None:
            return [e for e in events if e.position > after][:limit]
        if before is not None:
            return [e for e in events if e.position < before][-limit:]
        return events[:limit] if from_head else events[-limit:]

    async def scan(
        self,
        group: str,
        streams: Sequence[str] | None,
        prefix: str | None,
        start_ms: int | None,
        end_ms: int | None,
        after: Position | None,
        limit: int,
    ) -> list[LogEvent]:
        self._open()
        g = self._groups.get(group)
        if g is None:
            return []
        chosen = [
            s
            for name, s in g.streams.items()
            if (streams is None or name in streams) and (prefix is None or name.startswith(prefix))
        ]
        events = [
            e
            for s in chosen
            for e in s.events
            if _in_range(e, start_ms, end_ms, end_inclusive=True)
            and (after is None or e.position > after)
        ]
        events.sort(key=lambda e: e.position)
        return events[:limit]

    async def sweep(self, now_ms: int) -> int:
        self._open()
        deleted = 0
        for g in self._groups.values():
            if g.record.retention_days is None:
                continue
            cutoff = now_ms - g.record.retention_days * DAY_MS
            for s in g.streams.values():
                gone = [e for e in s.events if e.timestamp < cutoff]
                if gone:
                    s.events = s.events[len(gone) :]
                    s.keys = s.keys[len(gone) :]
                    self._drop_bytes(g, gone)
                    deleted += len(gone)
        return deleted
