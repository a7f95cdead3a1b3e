"""In-memory `QueueStore`: a fake of `nubis.store.sqlite.queues.SqliteQueueStore` for tests
of the queue service's rules, with the same receipts (`<seq>:<token>`), sequence numbers,
visibility, FIFO group, deduplication, redrive and retention rules."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from nubis.model.queue import (
    NewMessage,
    QueueCounts,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)
from nubis.store.memory._closing import Closing


@dataclass
class _Message:
    seq: int
    queue: str
    new: NewMessage
    sent_at: float
    visible_at: float
    receive_count: int = 0
    first_receive_at: float | None = None
    token: str | None = None
    dead_letter_source: str | None = None

    def stored(self) -> StoredMessage:
        m = self.new
        return StoredMessage(
            seq=self.seq,
            message_id=m.message_id,
            body=m.body,
            attributes=m.attributes,
            system_attributes=m.system_attributes,
            md5_body=m.md5_body,
            md5_attributes=m.md5_attributes,
            md5_system_attributes=m.md5_system_attributes,
            sent_at=self.sent_at,
            receive_count=self.receive_count,
            first_receive_at=self.first_receive_at,
            receipt=f"{self.seq}:{self.token}",
            group_id=m.group_id,
            dedup_id=m.dedup_id,
            dead_letter_source=self.dead_letter_source,
        )


@dataclass(frozen=True)
class _Seen:
    message_id: str
    seq: int
    expires: float


class MemoryQueueStore(Closing):
    def __init__(self) -> None:
        self._queues: dict[str, QueueRecord] = {}
        self._messages: dict[int, _Message] = {}  # by seq, which only grows: send order
        self._dedup: dict[tuple[str, str], _Seen] = {}
        self._seq = 0

    async def create_queue(self, record: QueueRecord) -> QueueRecord:
        self._open()
        return self._queues.setdefault(
            record.name,
            replace(record, attributes=dict(record.attributes), tags=dict(record.tags)),
        )

    async def get_queue(self, name: str) -> QueueRecord | None:
        self._open()
        return self._queues.get(name)

    async def list_queues(self, prefix: str) -> list[QueueRecord]:
        self._open()
        return [self._queues[n] for n in sorted(self._queues) if n.startswith(prefix)]

    async def set_attributes(self, name: str, attributes: Mapping[str, str], now: float) -> bool:
        self._open()
        record = self._queues.get(name)
        if record is None:
            return False
        merged = {**record.attributes, **attributes}
        self._queues[name] = replace(record, attributes=merged, modified=now)
        return True

    async def delete_queue(self, name: str) -> bool:
        self._open()
        self._drop_messages(name)
        for key in [k for k in self._dedup if k[0] == name]:
            del self._dedup[key]
        return self._queues.pop(name, None) is not None

    async def purge(self, name: str) -> None:
        self._open()
        self._drop_messages(name)

    async def send(
        self, name: str, messages: Sequence[NewMessage], now: float, dedup_window_s: float
    ) -> list[SentMessage]:
        self._open()
        if any(m.dedup_id for m in messages):
            for key in [k for k, s in self._dedup.items() if k[0] == name and s.expires <= now]:
                del self._dedup[key]
        out: list[SentMessage] = []
        for m in messages:
            if m.dedup_id is not None and (seen := self._dedup.get((name, m.dedup_id))):
                out.append(SentMessage(seen.message_id, f"{seen.seq:020d}", duplicate=True))
                continue
            self._seq += 1
            self._messages[self._seq] = _Message(self._seq, name, m, now, m.visible_at)
            if m.dedup_id is not None:
                self._dedup[(name, m.dedup_id)] = _Seen(
                    m.message_id, self._seq, now + dedup_window_s
                )
            out.append(SentMessage(m.message_id, f"{self._seq:020d}" if m.group_id else None))
        return out

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
        self._open()
        rows = [m for m in self._messages.values() if m.queue == name]
        blocked: set[str | None] = set()
        if fifo:
            # A group with a message in flight, or whose first message cannot be handed
            # out now, yields nothing (later messages of it wait behind that one).
            blocked = {m.new.group_id for m in rows if m.visible_at > now and m.receive_count}
        else:
            rows = sorted((m for m in rows if m.visible_at <= now), key=lambda m: m.visible_at)
        taken: list[StoredMessage] = []
        for m in rows:
            if len(taken) >= limit:
                break
            if fifo and m.new.group_id in blocked:
                continue
            if m.sent_at < now - retention_s:
                del self._messages[m.seq]
            elif m.visible_at > now:
                blocked.add(m.new.group_id)
            elif redrive is not None and m.receive_count >= redrive.max_receive_count:
                m.queue, m.token, m.visible_at = redrive.target, None, now
                m.dead_letter_source = redrive.source_arn
                m.sent_at = now if fifo else m.sent_at
            else:
                m.visible_at = now + visibility_s
                m.receive_count += 1
                m.first_receive_at = m.first_receive_at if m.first_receive_at is not None else now
                m.token = secrets.token_hex(8)
                taken.append(m.stored())
        return taken

    async def delete_message(self, name: str, seq: int, token: str) -> bool:
        self._open()
        m = self._messages.get(seq)
        if m is None or m.queue != name or m.token != token:
            return False
        del self._messages[seq]
        return True

    async def change_visibility(
        self, name: str, seq: int, token: str, visible_at: float, now: float
    ) -> bool:
        self._open()
        m = self._messages.get(seq)
        if m is None or m.queue != name or m.token != token:
            return False
        m.visible_at = visible_at
        return True

    async def set_tags(self, name: str, tags: Mapping[str, str]) -> bool:
        self._open()
        record = self._queues.get(name)
        if record is None:
            return False
        self._queues[name] = replace(record, tags=dict(tags))
        return True

    async def counts(self, name: str, now: float) -> QueueCounts:
        self._open()
        rows = [m for m in self._messages.values() if m.queue == name]
        visible = sum(m.visible_at <= now for m in rows)
        in_flight = sum(m.visible_at > now and m.receive_count > 0 for m in rows)
        return QueueCounts(visible, in_flight, len(rows) - visible - in_flight)

    async def next_visible_at(self, name: str, now: float) -> float | None:
        self._open()
        later = [m.visible_at for m in self._messages.values() if m.queue == name]
        return min((t for t in later if t > now), default=None)

    def _drop_messages(self, name: str) -> None:
        for seq in [s for s, m in self._messages.items() if m.queue == name]:
            del self._messages[seq]
