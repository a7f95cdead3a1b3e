"""Accepted asynchronous invocations and event-invoke configs in SQLite: `<data-dir>/events.db`.

A file of its own (not the metadata database, not the queue service's): every `Event`
invocation is one fsync'd commit before its 202, and keeping that stream apart keeps it
from waiting behind other writers. All access goes through one `SqliteWriter` thread, so
concurrent 202s share a commit (group commit).

Lease rule: `leased_until > 0` marks an event handed to a worker. After a crash those
leases are stale; `release_all()` at startup makes them waiting again (one server owns
this file; a multi-node store would record the lease owner instead).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nubis.model.async_config import EventInvokeConfig
from nubis.store.base import QueuedEvent
from nubis.store.sqlite.writer import SqliteWriter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    function_name TEXT NOT NULL,
    qualifier TEXT,
    payload BLOB NOT NULL,
    enqueued_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    due_at REAL NOT NULL,
    leased_until REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_due ON events (leased_until, due_at);
CREATE TABLE IF NOT EXISTS event_invoke_configs (
    function_name TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    max_retry_attempts INTEGER,
    max_event_age_s INTEGER,
    on_success TEXT,
    on_failure TEXT,
    last_modified REAL NOT NULL,
    PRIMARY KEY (function_name, qualifier)
);
"""
_EVENT_COLUMNS = "id, function_name, qualifier, payload, enqueued_at, attempts, retries, due_at"


def _event(row: Sequence[Any]) -> QueuedEvent:
    return QueuedEvent(
        id=row[0],
        function_name=row[1],
        qualifier=row[2],
        payload=bytes(row[3]),
        enqueued_at=row[4],
        attempts=row[5],
        retries=row[6],
        due_at=row[7],
    )


def _config(row: Sequence[Any]) -> EventInvokeConfig:
    return EventInvokeConfig(*row)


def _insert(db: sqlite3.Connection, e: QueuedEvent) -> None:
    db.execute(
        "INSERT OR IGNORE INTO events (id, function_name, qualifier, payload, enqueued_at, "
        "attempts, retries, due_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            e.id,
            e.function_name,
            e.qualifier,
            e.payload,
            e.enqueued_at,
            e.attempts,
            e.retries,
            e.due_at or e.enqueued_at,
        ),
    )


def _lease(db: sqlite3.Connection, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
    rows = db.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE leased_until = 0 AND due_at <= ? "
        "ORDER BY due_at, seq LIMIT ?",
        (now, limit),
    ).fetchall()
    out: list[QueuedEvent] = []
    for row in rows:
        db.execute(
            "UPDATE events SET leased_until = ?, attempts = attempts + 1 WHERE id = ?",
            (now + lease_s, row[0]),
        )
        fresh = list(row)
        fresh[5] += 1
        out.append(_event(fresh))
    return out


class SqliteEventStore:
    """Implements `DurableEventQueue` and `EventInvokeConfigStore`."""

    def __init__(self, path: Path) -> None:
        self._writer = SqliteWriter(path, _SCHEMA, synchronous="FULL")

    def close(self) -> None:
        self._writer.close()

    # -- DurableEventQueue
    async def enqueue(self, event: QueuedEvent) -> None:
        await self._writer.run(lambda db: _insert(db, event))

    async def lease_due(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        # Not durable: a lease lost in a crash is released at the next start anyway.
        return await self._writer.run(lambda db: _lease(db, now, lease_s, limit), durable=False)

    async def reschedule(self, event: QueuedEvent) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE events SET leased_until = 0, retries = ?, due_at = ? WHERE id = ?",
                (event.retries, event.due_at, event.id),
            )

        await self._writer.run(op)

    async def finish(self, event_id: str) -> None:
        # Not durable: if the removal is lost in a crash the event runs again (at least once).
        await self._writer.run(
            lambda db: db.execute("DELETE FROM events WHERE id = ?", (event_id,)), durable=False
        )

    async def release_all(self) -> int:
        def op(db: sqlite3.Connection) -> int:
            return db.execute("UPDATE events SET leased_until = 0 WHERE leased_until > 0").rowcount

        return await self._writer.run(op)

    async def next_due(self) -> float | None:
        def op(db: sqlite3.Connection) -> float | None:
            row = db.execute("SELECT MIN(due_at) FROM events WHERE leased_until = 0").fetchone()
            return None if row is None or row[0] is None else float(row[0])

        return await self._writer.run(op)

    async def depth(self) -> int:
        def op(db: sqlite3.Connection) -> int:
            return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

        return await self._writer.run(op)

    # -- EventInvokeConfigStore
    async def get_config(self, function: str, qualifier: str) -> EventInvokeConfig | None:
        def op(db: sqlite3.Connection) -> EventInvokeConfig | None:
            row = db.execute(
                "SELECT * FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?",
                (function, qualifier),
            ).fetchone()
            return None if row is None else _config(row)

        return await self._writer.run(op)

    async def put_config(self, c: EventInvokeConfig) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO event_invoke_configs VALUES (?,?,?,?,?,?,?)",
                (
                    c.function_name,
                    c.qualifier,
                    c.max_retry_attempts,
                    c.max_event_age_s,
                    c.on_success,
                    c.on_failure,
                    c.last_modified,
                ),
            )

        await self._writer.run(op)

    async def delete_config(self, function: str, qualifier: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?",
                (function, qualifier),
            )
            return cur.rowcount == 1

        return await self._writer.run(op)

    async def list_configs(self, function: str) -> list[EventInvokeConfig]:
        def op(db: sqlite3.Connection) -> list[EventInvokeConfig]:
            rows = db.execute(
                "SELECT * FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier",
                (function,),
            ).fetchall()
            return [_config(r) for r in rows]

        return await self._writer.run(op)

    async def drop_function_configs(self, function: str) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM event_invoke_configs WHERE function_name = ?", (function,))

        await self._writer.run(op)
