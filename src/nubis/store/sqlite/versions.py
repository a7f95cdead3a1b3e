"""Published versions and aliases in SQLite (see `VersionStore` in `nubis.store.base`), on
the metadata file's writer thread."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

from nubis.model.function import FunctionConfig
from nubis.model.versions import Alias
from nubis.store.sqlite.db import SqliteDb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS version_counters (
    name TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (name, alias)
);
"""


def _config(text: str) -> FunctionConfig:
    return FunctionConfig.from_json(json.loads(text))


def _alias(text: str) -> Alias:
    return Alias.from_json(json.loads(text))


def _publish(db: sqlite3.Connection, config: FunctionConfig) -> FunctionConfig:
    # One transaction (the writer's): the counter and the row move together, so a crash
    # between them can neither reuse a number nor lose a version.
    row = db.execute("SELECT last FROM version_counters WHERE name = ?", (config.name,)).fetchone()
    number = (row[0] if row else 0) + 1
    db.execute(
        "INSERT INTO version_counters (name, last) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET last = excluded.last",
        (config.name, number),
    )
    published = replace(config, version=str(number))
    db.execute(
        "INSERT INTO versions (name, version, config) VALUES (?, ?, ?)",
        (config.name, number, json.dumps(published.to_json())),
    )
    return published


def _create_alias(db: sqlite3.Connection, alias: Alias) -> bool:
    try:
        db.execute(
            "INSERT INTO aliases (name, alias, revision_id, config) VALUES (?, ?, ?, ?)",
            (alias.function_name, alias.name, alias.revision_id, json.dumps(alias.to_json())),
        )
    except sqlite3.IntegrityError:
        return False
    return True


def _replace_alias(db: sqlite3.Connection, alias: Alias, expected_revision: str) -> bool:
    cur = db.execute(
        "UPDATE aliases SET revision_id = ?, config = ? "
        "WHERE name = ? AND alias = ? AND revision_id = ?",
        (
            alias.revision_id,
            json.dumps(alias.to_json()),
            alias.function_name,
            alias.name,
            expected_revision,
        ),
    )
    return cur.rowcount == 1


class SqliteVersionStore(SqliteDb):
    schema = _SCHEMA

    async def publish(self, config: FunctionConfig) -> FunctionConfig:
        return await self._run(lambda db: _publish(db, config))

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        number = _number(version)
        if number is None:
            return None

        def op(db: sqlite3.Connection) -> FunctionConfig | None:
            row = db.execute(
                "SELECT config FROM versions WHERE name = ? AND version = ?", (name, number)
            ).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        def op(db: sqlite3.Connection) -> list[FunctionConfig]:
            rows = db.execute(
                "SELECT config FROM versions WHERE name = ? AND version > ? "
                "ORDER BY version LIMIT ?",
                (name, after, limit),
            ).fetchall()
            return [_config(r[0]) for r in rows]

        return await self._run(op)

    async def latest_version(self, name: str) -> FunctionConfig | None:
        def op(db: sqlite3.Connection) -> FunctionConfig | None:
            row = db.execute(
                "SELECT config FROM versions WHERE name = ? ORDER BY version DESC LIMIT 1",
                (name,),
            ).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def delete_version(self, name: str, version: str) -> bool:
        number = _number(version)
        if number is None:
            return False

        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute("DELETE FROM versions WHERE name = ? AND version = ?", (name, number))
            return cur.rowcount == 1

        return await self._run(op)

    async def get_alias(self, name: str, alias: str) -> Alias | None:
        def op(db: sqlite3.Connection) -> Alias | None:
            row = db.execute(
                "SELECT config FROM aliases WHERE name = ? AND alias = ?", (name, alias)
            ).fetchone()
            return None if row is None else _alias(row[0])

        return await self._run(op)

    async def list_aliases(self, name: str) -> list[Alias]:
        def op(db: sqlite3.Connection) -> list[Alias]:
            rows = db.execute(
                "SELECT config FROM aliases WHERE name = ? ORDER BY alias", (name,)
            ).fetchall()
            return [_alias(r[0]) for r in rows]

        return await self._run(op)

    async def create_alias(self, alias: Alias) -> bool:
        return await self._run(lambda db: _create_alias(db, alias))

    async def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        return await self._run(lambda db: _replace_alias(db, alias, expected_revision))

    async def delete_alias(self, name: str, alias: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute("DELETE FROM aliases WHERE name = ? AND alias = ?", (name, alias))
            return cur.rowcount == 1

        return await self._run(op)

    async def drop_function(self, name: str) -> None:
        def op(db: sqlite3.Connection) -> None:  # one transaction: all three or none
            for table in ("versions", "version_counters", "aliases"):
                db.execute(f"DELETE FROM {table} WHERE name = ?", (name,))

        await self._run(op)


def _number(version: str) -> int | None:
    """A version qualifier as the integer SQLite holds; None if it cannot name a version
    (not digits, or past SQLite's 64-bit integers, which would raise OverflowError)."""
    if not version.isdigit() or not version.isascii() or len(version) > 18:
        return None
    return int(version)
