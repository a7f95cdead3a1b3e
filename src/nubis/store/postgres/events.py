"""Accepted asynchronous invocations and event-invoke configs in PostgreSQL.

Shared by every node of a cluster, so unlike the SQLite queue (one owner) a lease here
ends by time too: `lease_due` takes waiting events and events whose lease has expired
(`leased_until <= now`: the node holding it died or stalled), with
`SELECT ... FOR UPDATE SKIP LOCKED` so that nodes leasing at the same moment take
different events and never wait for each other. Each lease records its owner
(`leased_by`, the node's name): `release_all` ends only this owner's leases (a node's
restart ends what it held before it died, sooner than their expiry), and `reschedule`
only moves an event this owner still holds (after its lease expired and another node took
the event, the other node decides). `finish` removes the event whoever holds it: the work
was done (at least once).

`next_due` is the earliest `due_at` of a waiting event or, if sooner, the expiry of a
lease another owner holds: a worker that sleeps until `next_due` wakes when it could take
over a dead node's events. Nothing here sends a `NOTIFY`: workers poll
`next_due`/`lease_due` (DESIGN.md: no `NOTIFY` inside enqueue transactions).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from nubis.model.async_config import EventInvokeConfig
from nubis.store.base import QueuedEvent
from nubis.store.postgres.db import Conn, PostgresDb

_EVENT_COLUMNS = "id, function_name, qualifier, payload, enqueued_at, attempts, retries, due_at"
_CONFIG_COLUMNS = (
    "function_name, qualifier, max_retry_attempts, max_event_age_s, on_success, on_failure, "
    "last_modified"
)
_LEASE = f"""
WITH picked AS (
    SELECT seq FROM events
    WHERE (leased_until = 0 AND due_at <= %(now)s)
       OR (leased_until > 0 AND leased_until <= %(now)s)
    ORDER BY due_at, seq
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE events SET leased_until = %(until)s, leased_by = %(owner)s, attempts = attempts + 1
FROM picked WHERE events.seq = picked.seq
RETURNING events.seq, {", ".join("events." + c for c in _EVENT_COLUMNS.split(", "))}
"""


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


def _insert(db: Conn, e: QueuedEvent) -> None:
    db.execute(
        "INSERT INTO events (id, function_name, qualifier, payload, enqueued_at, attempts, "
        "retries, due_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
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


class PostgresEventStore(PostgresDb):
    """Implements `DurableEventQueue` and `EventInvokeConfigStore`. `owner` names this
    node in its leases (default: the host name, so a node restarted on the same host
    ends its own earlier leases with `release_all`)."""

    def __init__(self, dsn: str, owner: str | None = None) -> None:
        super().__init__(dsn)
        self.owner = owner or socket.gethostname()

    # -- DurableEventQueue
    async def enqueue(self, event: QueuedEvent) -> None:
        await self._run(lambda db: _insert(db, event))

    async def lease_due(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        if limit <= 0:
            return []
        args = {"now": now, "until": now + lease_s, "owner": self.owner, "limit": limit}

        def op(db: Conn) -> list[QueuedEvent]:
            rows = db.execute(_LEASE.encode(), args).fetchall()
            rows.sort(key=lambda r: (r[8], r[0]))  # RETURNING keeps no order: due_at, seq
            return [_event(r[1:]) for r in rows]

        # Not durable: a lease lost in a crash expires, or its owner's restart ends it.
        return await self._run(op, durable=False)

    async def reschedule(self, event: QueuedEvent) -> None:
        def op(db: Conn) -> None:
            db.execute(
                "UPDATE events SET leased_until = 0, leased_by = NULL, retries = %s, "
                "due_at = %s WHERE id = %s AND leased_by = %s",
                (event.retries, event.due_at, event.id, self.owner),
            )

        await self._run(op)

    async def finish(self, event_id: str) -> None:
        # Not durable: if the removal is lost in a crash the event runs again (at least once).
        await self._run(
            lambda db: db.execute("DELETE FROM events WHERE id = %s", (event_id,)), durable=False
        )

    async def release_all(self) -> int:
        def op(db: Conn) -> int:
            return db.execute(
                "UPDATE events SET leased_until = 0, leased_by = NULL "
                "WHERE leased_until > 0 AND leased_by = %s",
                (self.owner,),
            ).rowcount

        return await self._run(op)

    async def next_due(self) -> float | None:
        # Another node's lease is as good as due when it expires: a worker that sleeps
        # until `next_due` then takes over the events of a node that died.
        def op(db: Conn) -> float | None:
            row = db.execute(
                "SELECT LEAST("
                "(SELECT MIN(due_at) FROM events WHERE leased_until = 0), "
                "(SELECT MIN(leased_until) FROM events "
                "WHERE leased_until > 0 AND leased_by <> %s))",
                (self.owner,),
            ).fetchone()
            return None if row is None or row[0] is None else float(row[0])

        return await self._run(op)

    async def depth(self) -> int:
        def op(db: Conn) -> int:
            row = db.execute("SELECT COUNT(*) FROM events").fetchone()
            return 0 if row is None else int(row[0])

        return await self._run(op)

    # -- EventInvokeConfigStore
    async def get_config(self, function: str, qualifier: str) -> EventInvokeConfig | None:
        def op(db: Conn) -> EventInvokeConfig | None:
            row = db.execute(
                f"SELECT {_CONFIG_COLUMNS} FROM event_invoke_configs "
                "WHERE function_name = %s AND qualifier = %s",
                (function, qualifier),
            ).fetchone()
            return None if row is None else EventInvokeConfig(*row)

        return await self._run(op)

    async def put_config(self, c: EventInvokeConfig) -> None:
        def op(db: Conn) -> None:
            db.execute(
                f"INSERT INTO event_invoke_configs ({_CONFIG_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (function_name, qualifier) DO UPDATE SET "
                "max_retry_attempts = excluded.max_retry_attempts, "
                "max_event_age_s = excluded.max_event_age_s, on_success = excluded.on_success, "
                "on_failure = excluded.on_failure, last_modified = excluded.last_modified",
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

        await self._run(op)

    async def delete_config(self, function: str, qualifier: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "DELETE FROM event_invoke_configs WHERE function_name = %s AND qualifier = %s",
                (function, qualifier),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def list_configs(self, function: str) -> list[EventInvokeConfig]:
        def op(db: Conn) -> list[EventInvokeConfig]:
            rows = db.execute(
                f"SELECT {_CONFIG_COLUMNS} FROM event_invoke_configs WHERE function_name = %s "
                "ORDER BY qualifier",
                (function,),
            ).fetchall()
            return [EventInvokeConfig(*r) for r in rows]

        return await self._run(op)

    async def drop_function_configs(self, function: str) -> None:
        def op(db: Conn) -> None:
            db.execute("DELETE FROM event_invoke_configs WHERE function_name = %s", (function,))

        await self._run(op)
