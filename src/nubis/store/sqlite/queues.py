"""The queue service's messages in SQLite: `<data-dir>/queues.db`.

A file of its own, not the metadata database: queue writes are many and must each be
fsync'd (`synchronous=FULL`), metadata writes are few and use `NORMAL`; separate files
keep the two write locks and durability settings apart. All access goes through one
`SqliteWriter` thread, so concurrent sends share a commit (group commit).

A receipt is `<seq>:<token>`: `seq` is the message's row (AUTOINCREMENT, never reused),
`token` changes with every receive, so only the latest receipt deletes the message.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nubis.model.queue import (
    NewMessage,
    QueueCounts,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)
from nubis.store.queue_rows import COLUMNS, attrs_out, message
from nubis.store.sqlite.writer import SqliteWriter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT,
    system_attributes TEXT,
    md5_body TEXT NOT NULL,
    md5_attributes TEXT,
    md5_system TEXT,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_at REAL,
    token TEXT,
    group_id TEXT,
    dedup_id TEXT,
    dead_letter_source TEXT
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at);
CREATE TABLE IF NOT EXISTS dedup (
    queue TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (queue, dedup_id)
);
"""

_CHUNK = 200


def _record(row: Sequence[Any]) -> QueueRecord:
    return QueueRecord(row[0], json.loads(row[1]), row[2], row[3], json.loads(row[4]))


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a queues.db of an earlier Nubis up to this schema (its rows kept): queue
    tags came after the first release."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(queues)")}
    if "tags" not in columns:
        db.execute("ALTER TABLE queues ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'")


class SqliteQueueStore:
    def __init__(self, path: Path) -> None:
        self._writer = SqliteWriter(path, _SCHEMA, synchronous="FULL")
        try:
            self._writer.submit(_migrate).result()
        except BaseException:
            self._writer.close()
            raise

    def close(self) -> None:
        self._writer.close()

    async def create_queue(self, record: QueueRecord) -> QueueRecord:
        def op(db: sqlite3.Connection) -> QueueRecord:
            db.execute(
                "INSERT OR IGNORE INTO queues (name, attributes, created, modified, tags) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.name,
                    json.dumps(dict(record.attributes)),
                    record.created,
                    record.modified,
                    json.dumps(dict(record.tags)),
                ),
            )
            row = db.execute("SELECT * FROM queues WHERE name = ?", (record.name,)).fetchone()
            return _record(row)

        return await self._writer.run(op)

    async def get_queue(self, name: str) -> QueueRecord | None:
        def op(db: sqlite3.Connection) -> QueueRecord | None:
            row = db.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
            return None if row is None else _record(row)

        return await self._writer.run(op)

    async def list_queues(self, prefix: str) -> list[QueueRecord]:
        def op(db: sqlite3.Connection) -> list[QueueRecord]:
            rows = db.execute("SELECT * FROM queues ORDER BY name").fetchall()
            return [_record(r) for r in rows if r[0].startswith(prefix)]

        return await self._writer.run(op)

    async def set_attributes(self, name: str, attributes: Mapping[str, str], now: float) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT attributes FROM queues WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            merged = {**json.loads(row[0]), **attributes}
            db.execute(
                "UPDATE queues SET attributes = ?, modified = ? WHERE name = ?",
                (json.dumps(merged), now, name),
            )
            return True

        return await self._writer.run(op)

    async def delete_queue(self, name: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM messages WHERE queue = ?", (name,))
            db.execute("DELETE FROM dedup WHERE queue = ?", (name,))
            return db.execute("DELETE FROM queues WHERE name = ?", (name,)).rowcount == 1

        return await self._writer.run(op)

    async def purge(self, name: str) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM messages WHERE queue = ?", (name,))

        await self._writer.run(op)

    async def send(
        self, name: str, messages: Sequence[NewMessage], now: float, dedup_window_s: float
    ) -> list[SentMessage]:
        def op(db: sqlite3.Connection) -> list[SentMessage]:
            out: list[SentMessage] = []
            if any(m.dedup_id for m in messages):
                db.execute("DELETE FROM dedup WHERE queue = ? AND expires <= ?", (name, now))
            for m in messages:
                if m.dedup_id is not None:
                    seen = db.execute(
                        "SELECT message_id, seq FROM dedup WHERE queue = ? AND dedup_id = ?",
                        (name, m.dedup_id),
                    ).fetchone()
                    if seen is not None:
                        out.append(SentMessage(seen[0], f"{seen[1]:020d}", duplicate=True))
                        continue
                cur = db.execute(
                    "INSERT INTO messages (queue, message_id, body, attributes, "
                    "system_attributes, md5_body, md5_attributes, md5_system, sent_at, "
                    "visible_at, group_id, dedup_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
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
                seq = int(cur.lastrowid or 0)
                if m.dedup_id is not None:
                    db.execute(
                        "INSERT INTO dedup (queue, dedup_id, message_id, seq, expires) "
                        "VALUES (?,?,?,?,?)",
                        (name, m.dedup_id, m.message_id, seq, now + dedup_window_s),
                    )
                out.append(SentMessage(m.message_id, f"{seq:020d}" if m.group_id else None))
            return out

        return await self._writer.run(op)

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
        def op(db: sqlite3.Connection) -> list[StoredMessage]:
            return _Receive(db, name, now, fifo, redrive, retention_s).run(limit, visibility_s)

        # Not durable: a receive lost in a crash only makes its messages visible again.
        return await self._writer.run(op, durable=False)

    async def delete_message(self, name: str, seq: int, token: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "DELETE FROM messages WHERE seq = ? AND queue = ? AND token = ?",
                (seq, name, token),
            )
            return cur.rowcount == 1

        # Not durable: a deletion lost in a crash means one more delivery (at least once).
        return await self._writer.run(op, durable=False)

    async def change_visibility(
        self, name: str, seq: int, token: str, visible_at: float, now: float
    ) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE messages SET visible_at = ? WHERE seq = ? AND queue = ? AND token = ?",
                (visible_at, seq, name, token),
            )
            return cur.rowcount == 1

        return await self._writer.run(op)

    async def set_tags(self, name: str, tags: Mapping[str, str]) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE queues SET tags = ? WHERE name = ?", (json.dumps(dict(tags)), name)
            )
            return cur.rowcount == 1

        return await self._writer.run(op)

    async def counts(self, name: str, now: float) -> QueueCounts:
        def op(db: sqlite3.Connection) -> QueueCounts:
            row = db.execute(
                "SELECT "
                "COALESCE(SUM(visible_at <= ?), 0), "
                "COALESCE(SUM(visible_at > ? AND receive_count > 0), 0), "
                "COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) "
                "FROM messages WHERE queue = ?",
                (now, now, now, name),
            ).fetchone()
            return QueueCounts(int(row[0]), int(row[1]), int(row[2]))

        return await self._writer.run(op)

    async def next_visible_at(self, name: str, now: float) -> float | None:
        def op(db: sqlite3.Connection) -> float | None:
            row = db.execute(
                "SELECT MIN(visible_at) FROM messages WHERE queue = ? AND visible_at > ?",
                (name, now),
            ).fetchone()
            return None if row is None or row[0] is None else float(row[0])

        return await self._writer.run(op)


class _Receive:
    """One `receive` inside the writer's transaction: which rows to look at, and what
    happens to each (dropped past retention, moved to the dead-letter queue, taken)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        name: str,
        now: float,
        fifo: bool,
        redrive: Redrive | None,
        retention_s: float,
    ) -> None:
        self.db, self.name, self.now, self.fifo = db, name, now, fifo
        self.redrive, self.retention_s = redrive, retention_s
        self.blocked: set[str] = set()
        if fifo:
            self.blocked = {
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT group_id FROM messages WHERE queue = ? AND "
                    "visible_at > ? AND receive_count > 0",
                    (name, now),
                )
            }
        self.after = -1  # fifo: the last seq looked at
        self.still_visible: list[int] = []  # taken with a visibility timeout of 0

    def run(self, limit: int, visibility_s: float) -> list[StoredMessage]:
        taken: list[StoredMessage] = []
        while len(taken) < limit:
            rows = self._chunk(limit - len(taken))
            if not rows:
                break
            self.after = rows[-1][0]
            for row in rows:
                if len(taken) >= limit:
                    break
                got = self._visit(row, visibility_s)
                if got is not None:
                    taken.append(got)
        return taken

    def _chunk(self, wanted: int) -> list[Any]:
        if self.fifo:
            # Every message in sequence order: a group is blocked from its first message
            # that cannot be handed out now.
            return self.db.execute(
                f"SELECT {COLUMNS} FROM messages WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?",
                (self.name, self.after, _CHUNK),
            ).fetchall()
        # In index order (no sort of the backlog): every row fetched leaves this range
        # below (taken, dropped or moved), so the next chunk is new rows; except those
        # taken with a visibility timeout of 0, which stay visible and are excluded by
        # name (a receive never returns a message twice).
        skip = self.still_visible
        where = f" AND seq NOT IN ({','.join('?' * len(skip))})" if skip else ""
        return self.db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE queue = ? AND visible_at <= ?{where} "
            "ORDER BY visible_at LIMIT ?",
            (self.name, self.now, *skip, min(_CHUNK, wanted)),
        ).fetchall()

    def _visit(self, row: Sequence[Any], visibility_s: float) -> StoredMessage | None:
        """The message of `row`, taken, or None when it is not handed out."""
        db, now, redrive = self.db, self.now, self.redrive
        seq, group = row[0], row[12]
        if self.fifo and group in self.blocked:
            return None
        if row[8] < now - self.retention_s:
            db.execute("DELETE FROM messages WHERE seq = ?", (seq,))
            return None
        if row[15] > now:  # fifo scan only: not visible yet
            self.blocked.add(group)
            return None
        if redrive is not None and row[9] >= redrive.max_receive_count:
            db.execute(
                "UPDATE messages SET queue = ?, token = NULL, visible_at = ?, "
                "dead_letter_source = ?, sent_at = ? WHERE seq = ?",
                (redrive.target, now, redrive.source_arn, now if self.fifo else row[8], seq),
            )
            return None
        token = secrets.token_hex(8)
        first = row[10] if row[10] is not None else now
        db.execute(
            "UPDATE messages SET visible_at = ?, receive_count = receive_count + 1,"
            " first_receive_at = ?, token = ? WHERE seq = ?",
            (now + visibility_s, first, token, seq),
        )
        if visibility_s <= 0:
            self.still_visible.append(seq)
        fresh = list(row)
        fresh[9] += 1
        fresh[10] = first
        fresh[11] = token
        return message(fresh)
