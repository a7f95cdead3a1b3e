"""The queue service's messages in PostgreSQL (`QueueStore`), shared by every node.

The same rows and rules as `nubis.store.sqlite.queues` (a receipt is `<seq>:<token>`,
the token new at every receive), made safe for several nodes at once:

- a standard queue's `receive` locks the rows it looks at with `FOR UPDATE SKIP LOCKED`:
  nodes receiving together take different messages and never wait for each other;
- a FIFO queue's `receive` first takes a transaction-level advisory lock on the queue's
  name, so receives of one FIFO queue run one at a time across the cluster (a group's
  order and "one batch in flight per group" need the whole queue's view);
- `send` claims a deduplication id with an insert that conflicts on (queue, dedup_id):
  of two nodes sending the same id at once, the second waits for the first's commit and
  then answers with the first's message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from nubis.model.queue import (
    NewMessage,
    QueueCounts,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)
from nubis.store.postgres.db import Conn, PostgresDb
from nubis.store.postgres.receive import Receive
from nubis.store.queue_rows import attrs_out

_QUEUE_COLUMNS = "name, attributes, created, modified, tags"


def _record(row: Sequence[Any]) -> QueueRecord:
    return QueueRecord(row[0], json.loads(row[1]), row[2], row[3], json.loads(row[4]))


def _send_one(db: Conn, name: str, m: NewMessage, now: float, window: float) -> SentMessage:
    row = db.execute("SELECT nextval(pg_get_serial_sequence('messages', 'seq'))").fetchone()
    assert row is not None
    seq = int(row[0])
    if m.dedup_id is not None:
        claimed = db.execute(
            "INSERT INTO dedup (queue, dedup_id, message_id, seq, expires) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (queue, dedup_id) DO NOTHING",
            (name, m.dedup_id, m.message_id, seq, now + window),
        ).rowcount
        if not claimed:
            seen = db.execute(
                "SELECT message_id, seq FROM dedup WHERE queue = %s AND dedup_id = %s",
                (name, m.dedup_id),
            ).fetchone()
            assert seen is not None
            return SentMessage(seen[0], f"{seen[1]:020d}", duplicate=True)
    db.execute(
        "INSERT INTO messages (seq, queue, message_id, body, attributes, system_attributes, "
        "md5_body, md5_attributes, md5_system, sent_at, visible_at, group_id, dedup_id) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            seq,
            name,
            m.message_id,
            m.body,
            attrs_out(m.attributes),
            attrs_out(m.system_attributes),
            m.md5_body,
            m.md5_attributes,
            m.md5_system_attributes,
            now,
            m.visible_at,
            m.group_id,
            m.dedup_id,
        ),
    )
    return SentMessage(m.message_id, f"{seq:020d}" if m.group_id else None)


def _send(
    db: Conn, name: str, messages: Sequence[NewMessage], now: float, window: float
) -> list[SentMessage]:
    if any(m.dedup_id for m in messages):
        db.execute("DELETE FROM dedup WHERE queue = %s AND expires <= %s", (name, now))
    return [_send_one(db, name, m, now, window) for m in messages]


class PostgresQueueStore(PostgresDb):
    async def create_queue(self, record: QueueRecord) -> QueueRecord:
        def op(db: Conn) -> QueueRecord:
            db.execute(
                f"INSERT INTO queues ({_QUEUE_COLUMNS}) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                (
                    record.name,
                    json.dumps(dict(record.attributes)),
                    record.created,
                    record.modified,
                    json.dumps(dict(record.tags)),
                ),
            )
            row = db.execute(
                f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE name = %s", (record.name,)
            ).fetchone()
            assert row is not None
            return _record(row)

        return await self._run(op)

    async def get_queue(self, name: str) -> QueueRecord | None:
        def op(db: Conn) -> QueueRecord | None:
            row = db.execute(
                f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE name = %s", (name,)
            ).fetchone()
            return None if row is None else _record(row)

        return await self._run(op)

    async def list_queues(self, prefix: str) -> list[QueueRecord]:
        def op(db: Conn) -> list[QueueRecord]:
            rows = db.execute(
                f"SELECT {_QUEUE_COLUMNS} FROM queues WHERE starts_with(name, %s) ORDER BY name",
                (prefix,),
            ).fetchall()
            return [_record(r) for r in rows]

        return await self._run(op)

    async def set_attributes(self, name: str, attributes: Mapping[str, str], now: float) -> bool:
        def op(db: Conn) -> bool:
            row = db.execute(
                "SELECT attributes FROM queues WHERE name = %s FOR UPDATE", (name,)
            ).fetchone()
            if row is None:
                return False
            merged = {**json.loads(row[0]), **attributes}
            db.execute(
                "UPDATE queues SET attributes = %s, modified = %s WHERE name = %s",
                (json.dumps(merged), now, name),
            )
            return True

        return await self._run(op)

    async def delete_queue(self, name: str) -> bool:
        def op(db: Conn) -> bool:
            db.execute("DELETE FROM messages WHERE queue = %s", (name,))
            db.execute("DELETE FROM dedup WHERE queue = %s", (name,))
            return db.execute("DELETE FROM queues WHERE name = %s", (name,)).rowcount == 1

        return await self._run(op)

    async def purge(self, name: str) -> None:
        await self._run(lambda db: db.execute("DELETE FROM messages WHERE queue = %s", (name,)))

    async def send(
        self, name: str, messages: Sequence[NewMessage], now: float, dedup_window_s: float
    ) -> list[SentMessage]:
        return await self._run(lambda db: _send(db, name, messages, now, dedup_window_s))

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
        def op(db: Conn) -> list[StoredMessage]:
            return Receive(db, name, now, fifo, redrive, retention_s).run(limit, visibility_s)

        # Not durable: a receive lost in a crash only makes its messages visible again.
        return await self._run(op, durable=False)

    async def delete_message(self, name: str, seq: int, token: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "DELETE FROM messages WHERE seq = %s AND queue = %s AND token = %s",
                (seq, name, token),
            )
            return cur.rowcount == 1

        # Not durable: a deletion lost in a crash means one more delivery (at least once).
        return await self._run(op, durable=False)

    async def change_visibility(
        self, name: str, seq: int, token: str, visible_at: float, now: float
    ) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "UPDATE messages SET visible_at = %s WHERE seq = %s AND queue = %s AND token = %s",
                (visible_at, seq, name, token),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def set_tags(self, name: str, tags: Mapping[str, str]) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "UPDATE queues SET tags = %s WHERE name = %s", (json.dumps(dict(tags)), name)
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def counts(self, name: str, now: float) -> QueueCounts:
        def op(db: Conn) -> QueueCounts:
            row = db.execute(
                "SELECT COUNT(*) FILTER (WHERE visible_at <= %(now)s), "
                "COUNT(*) FILTER (WHERE visible_at > %(now)s AND receive_count > 0), "
                "COUNT(*) FILTER (WHERE visible_at > %(now)s AND receive_count = 0) "
                "FROM messages WHERE queue = %(name)s",
                {"now": now, "name": name},
            ).fetchone()
            assert row is not None
            return QueueCounts(int(row[0]), int(row[1]), int(row[2]))

        return await self._run(op)

    async def next_visible_at(self, name: str, now: float) -> float | None:
        def op(db: Conn) -> float | None:
            row = db.execute(
                "SELECT MIN(visible_at) FROM messages WHERE queue = %s AND visible_at > %s",
                (name, now),
            ).fetchone()
            return None if row is None or row[0] is None else float(row[0])

        return await self._run(op)
