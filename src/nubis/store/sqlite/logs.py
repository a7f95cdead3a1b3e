"""CloudWatch Logs in SQLite: `<data-dir>/logs.db`.

A file of its own: function logs are the most frequent writes of a server and must not
take the metadata database's write lock. Every call goes through one `SqliteWriter`
thread (group commit: concurrent PutLogEvents share an fsync); reads are submitted as
non-durable work on the same thread, so they see every append that returned before.

An event's `seq` is its row id (AUTOINCREMENT: never reused, so ids stay unique after
deletions). `(grp, stream, ts, seq)` orders a stream's reads and `(grp, ts, seq)` a
group's interleaved scans.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nubis.model.logs import LogEvent, LogGroup, LogStream, NewEvent, Position, StreamKey
from nubis.store.logs import DAY_MS, Created
from nubis.store.sqlite.writer import SqliteWriter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    created INTEGER NOT NULL,
    retention INTEGER,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS streams (
    grp TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    first_event INTEGER,
    last_event INTEGER,
    last_ingestion INTEGER,
    sequence INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grp, name)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL,
    stream TEXT NOT NULL,
    ts INTEGER NOT NULL,
    ingestion INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_stream ON events (grp, stream, ts, seq);
CREATE INDEX IF NOT EXISTS events_group ON events (grp, ts, seq);
"""

_GROUP = "name, created, retention, stored_bytes, tags"
_STREAM = "grp, name, created, first_event, last_event, last_ingestion, sequence"
_EVENT = "stream, ts, message, ingestion, seq"


def _group(row: Sequence[Any]) -> LogGroup:
    return LogGroup(row[0], row[1], row[2], row[3], json.loads(row[4]))


def _stream(row: Sequence[Any]) -> LogStream:
    return LogStream(*row)


def _event(row: Sequence[Any]) -> LogEvent:
    return LogEvent(row[0], row[1], row[2], row[3], row[4])


def _range(start: int | None, end: int | None, end_op: str) -> tuple[str, list[Any]]:
    sql, args = "", list[Any]()
    if start is not None:
        sql, args = sql + " AND ts >= ?", [*args, start]
    if end is not None:
        sql, args = sql + f" AND ts {end_op} ?", [*args, end]
    return sql, args


def _delete_events(db: sqlite3.Connection, group: str, where: str, args: Sequence[Any]) -> int:
    """Deletes a group's events matching `where`; keeps its stored bytes true."""
    row = db.execute(
        f"SELECT count(*), coalesce(sum(length(CAST(message AS BLOB))), 0) FROM events "
        f"WHERE grp = ? {where}",
        (group, *args),
    ).fetchone()
    if row[0]:
        db.execute(f"DELETE FROM events WHERE grp = ? {where}", (group, *args))
        db.execute(
            "UPDATE groups SET stored_bytes = max(0, stored_bytes - ?) WHERE name = ?",
            (row[1], group),
        )
    return int(row[0])


class SqliteLogStore:
    def __init__(self, path: Path) -> None:
        self._writer = SqliteWriter(path, _SCHEMA, synchronous="FULL")

    def close(self) -> None:
        self._writer.close()

    async def _read(self, sql: str, args: Sequence[Any]) -> list[Any]:
        return await self._writer.run(lambda db: db.execute(sql, args).fetchall(), durable=False)

    # ------------------------------------------------------------ groups
    async def create_group(self, group: LogGroup) -> Created:
        def op(db: sqlite3.Connection) -> Created:
            cur = db.execute(
                "INSERT OR IGNORE INTO groups (name, created, retention, tags) VALUES (?, ?, ?, ?)",
                (group.name, group.created, group.retention_days, json.dumps(dict(group.tags))),
            )
            return Created.CREATED if cur.rowcount else Created.EXISTS

        return await self._writer.run(op)

    async def get_group(self, name: str) -> LogGroup | None:
        rows = await self._read(f"SELECT {_GROUP} FROM groups WHERE name = ?", (name,))
        return _group(rows[0]) if rows else None

    async def list_groups(
        self, prefix: str | None, contains: str | None, after: str | None, limit: int
    ) -> list[LogGroup]:
        sql, args = f"SELECT {_GROUP} FROM groups WHERE 1", list[Any]()
        if prefix is not None:
            sql, args = sql + " AND substr(name, 1, ?) = ?", [*args, len(prefix), prefix]
        if contains is not None:  # names are ASCII (the model's pattern): lower() suffices
            sql, args = sql + " AND instr(lower(name), lower(?)) > 0", [*args, contains]
        if after is not None:
            sql, args = sql + " AND name > ?", [*args, after]
        rows = await self._read(sql + " ORDER BY name LIMIT ?", [*args, limit])
        return [_group(r) for r in rows]

    async def set_retention(self, name: str, days: int | None) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute("UPDATE groups SET retention = ? WHERE name = ?", (days, name))
            return cur.rowcount > 0

        return await self._writer.run(op)

    async def tag_group(self, name: str, add: Mapping[str, str], remove: Sequence[str]) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT tags FROM groups WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            tags = {**json.loads(row[0]), **add}
            for key in remove:
                tags.pop(key, None)
            db.execute("UPDATE groups SET tags = ? WHERE name = ?", (json.dumps(tags), name))
            return True

        return await self._writer.run(op)

    async def delete_group(self, name: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM events WHERE grp = ?", (name,))
            db.execute("DELETE FROM streams WHERE grp = ?", (name,))
            return db.execute("DELETE FROM groups WHERE name = ?", (name,)).rowcount > 0

        return await self._writer.run(op)

    # ------------------------------------------------------------ streams
    async def create_stream(self, stream: LogStream) -> Created:
        def op(db: sqlite3.Connection) -> Created:
            if (
                db.execute("SELECT 1 FROM groups WHERE name = ?", (stream.group,)).fetchone()
                is None
            ):
                return Created.NO_GROUP
            cur = db.execute(
                "INSERT OR IGNORE INTO streams (grp, name, created) VALUES (?, ?, ?)",
                (stream.group, stream.name, stream.created),
            )
            return Created.CREATED if cur.rowcount else Created.EXISTS

        return await self._writer.run(op)

    async def get_stream(self, group: str, name: str) -> LogStream | None:
        rows = await self._read(
            f"SELECT {_STREAM} FROM streams WHERE grp = ? AND name = ?", (group, name)
        )
        return _stream(rows[0]) if rows else None

    async def list_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        after: StreamKey | None,
        limit: int,
    ) -> list[LogStream]:
        key = "(coalesce(last_event, 0), name)" if by_last_event else "(name)"
        sql, args = f"SELECT {_STREAM} FROM streams WHERE grp = ?", list[Any]([group])
        if prefix is not None:
            sql, args = sql + " AND substr(name, 1, ?) = ?", [*args, len(prefix), prefix]
        if after is not None:
            mark = "(?, ?)" if by_last_event else "(?)"
            sql += f" AND {key} {'<' if descending else '>'} {mark}"
            args += [after.last_event, after.name] if by_last_event else [after.name]
        direction = "DESC" if descending else "ASC"
        order = f"coalesce(last_event, 0) {direction}, " if by_last_event else ""
        sql += f" ORDER BY {order}name {direction} LIMIT ?"
        return [_stream(r) for r in await self._read(sql, [*args, limit])]

    async def delete_stream(self, group: str, name: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            _delete_events(db, group, "AND stream = ?", (name,))
            cur = db.execute("DELETE FROM streams WHERE grp = ? AND name = ?", (group, name))
            return cur.rowcount > 0

        return await self._writer.run(op)

    # ------------------------------------------------------------ events
    async def append(
        self, group: str, stream: str, events: Sequence[NewEvent], ingestion_ms: int
    ) -> LogStream | None:
        def op(db: sqlite3.Connection) -> LogStream | None:
            where = "WHERE grp = ? AND name = ?"
            if db.execute(f"SELECT 1 FROM streams {where}", (group, stream)).fetchone() is None:
                return None
            db.executemany(
                "INSERT INTO events (grp, stream, ts, ingestion, message) VALUES (?, ?, ?, ?, ?)",
                [(group, stream, e.timestamp, ingestion_ms, e.message) for e in events],
            )
            if events:
                first = min(e.timestamp for e in events)
                last = max(e.timestamp for e in events)
                db.execute(
                    "UPDATE streams SET first_event = min(coalesce(first_event, ?), ?), "
                    "last_event = max(coalesce(last_event, ?), ?), last_ingestion = ? " + where,
                    (first, first, last, last, ingestion_ms, group, stream),
                )
            db.execute(f"UPDATE streams SET sequence = sequence + 1 {where}", (group, stream))
            size = sum(len(e.message.encode()) for e in events)
            db.execute(
                "UPDATE groups SET stored_bytes = stored_bytes + ? WHERE name = ?", (size, group)
            )
            return _stream(
                db.execute(f"SELECT {_STREAM} FROM streams {where}", (group, stream)).fetchone()
            )

        return await self._writer.run(op)

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
        where, args = _range(start_ms, end_ms, "<")
        sql = f"SELECT {_EVENT} FROM events WHERE grp = ? AND stream = ?{where}"
        args = [group, stream, *args]
        if after is not None:
            sql, args = sql + " AND (ts, seq) > (?, ?)", [*args, after.timestamp, after.seq]
        elif before is not None:
            sql, args = sql + " AND (ts, seq) < (?, ?)", [*args, before.timestamp, before.seq]
        backward = before is not None or (after is None and not from_head)
        sql += f" ORDER BY ts {'DESC' if backward else 'ASC'}, seq {'DESC' if backward else 'ASC'}"
        rows = [_event(r) for r in await self._read(sql + " LIMIT ?", [*args, limit])]
        return rows[::-1] if backward else rows

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
        where, args = _range(start_ms, end_ms, "<=")
        sql = f"SELECT {_EVENT} FROM events WHERE grp = ?{where}"
        args = [group, *args]
        if streams is not None:
            sql += f" AND stream IN ({','.join('?' * len(streams))})"
            args += list(streams)
        if prefix is not None:
            sql, args = sql + " AND substr(stream, 1, ?) = ?", [*args, len(prefix), prefix]
        if after is not None:
            sql, args = sql + " AND (ts, seq) > (?, ?)", [*args, after.timestamp, after.seq]
        sql += " ORDER BY ts, seq LIMIT ?"
        return [_event(r) for r in await self._read(sql, [*args, limit])]

    async def sweep(self, now_ms: int) -> int:
        def op(db: sqlite3.Connection) -> int:
            groups = db.execute(
                "SELECT name, retention FROM groups WHERE retention IS NOT NULL"
            ).fetchall()
            return sum(
                _delete_events(db, name, "AND ts < ?", (now_ms - days * DAY_MS,))
                for name, days in groups
            )

        return await self._writer.run(op)
