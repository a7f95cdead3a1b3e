"""One `QueueStore.receive` inside a PostgreSQL transaction (`nubis.store.postgres.queues`):
which rows to look at, and what happens to each (dropped past retention, moved to the
dead-letter queue, taken). The rules are those of `nubis.store.sqlite.queues._Receive`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from nubis.model.queue import Redrive, StoredMessage
from nubis.store.postgres.db import Conn
from nubis.store.queue_rows import COLUMNS, message

_CHUNK = 200


class Receive:
    def __init__(
        self,
        db: Conn,
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
            # One FIFO receive of this queue at a time, cluster-wide, until commit.
            db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
            self.blocked = {
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT group_id FROM messages WHERE queue = %s AND "
                    "visible_at > %s AND receive_count > 0",
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
            # that cannot be handed out now. Receives are serialized by the advisory lock;
            # FOR UPDATE only orders this against a concurrent delete or visibility change.
            return self.db.execute(
                f"SELECT {COLUMNS} FROM messages WHERE queue = %s AND seq > %s "
                "ORDER BY seq LIMIT %s FOR UPDATE",
                (self.name, self.after, _CHUNK),
            ).fetchall()
        # Rows another node is receiving are skipped, not waited for. Each row fetched
        # leaves the visible range (taken, dropped or moved) except those taken with a
        # visibility timeout of 0, which are excluded by seq.
        return self.db.execute(
            f"SELECT {COLUMNS} FROM messages WHERE queue = %s AND visible_at <= %s "
            "AND seq <> ALL(%s) ORDER BY visible_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (self.name, self.now, self.still_visible, min(_CHUNK, wanted)),
        ).fetchall()

    def _visit(self, row: Sequence[Any], visibility_s: float) -> StoredMessage | None:
        """The message of `row`, taken, or None when it is not handed out."""
        db, now, redrive = self.db, self.now, self.redrive
        seq, group = row[0], row[12]
        if self.fifo and group in self.blocked:
            return None
        if row[8] < now - self.retention_s:
            db.execute("DELETE FROM messages WHERE seq = %s", (seq,))
            return None
        if row[15] > now:  # fifo scan only: not visible yet
            self.blocked.add(group)
            return None
        if redrive is not None and row[9] >= redrive.max_receive_count:
            db.execute(
                "UPDATE messages SET queue = %s, token = NULL, visible_at = %s, "
                "dead_letter_source = %s, sent_at = %s WHERE seq = %s",
                (redrive.target, now, redrive.source_arn, now if self.fifo else row[8], seq),
            )
            return None
        token = secrets.token_hex(8)
        first = row[10] if row[10] is not None else now
        db.execute(
            "UPDATE messages SET visible_at = %s, receive_count = receive_count + 1, "
            "first_receive_at = %s, token = %s WHERE seq = %s",
            (now + visibility_s, first, token, seq),
        )
        if visibility_s <= 0:
            self.still_visible.append(seq)
        fresh = list(row)
        fresh[9] += 1
        fresh[10] = first
        fresh[11] = token
        return message(fresh)
