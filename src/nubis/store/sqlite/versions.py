"""Published versions and aliases in SQLite (see `VersionStore` in `nubis.store.base`)."""

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


class SqliteVersionStore(SqliteDb):
    schema = _SCHEMA

    def publish(self, config: FunctionConfig) -> FunctionConfig:
        db = self._db
        # One transaction: the counter and the row move together, so a crash between
        # them can neither reuse a number nor lose a version.
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT last FROM version_counters WHERE name = ?", (config.name,)
            ).fetchone()
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
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return published

    def get_version(self, name: str, version: str) -> FunctionConfig | None:
        number = _number(version)
        if number is None:
            return None
        row = self._db.execute(
            "SELECT config FROM versions WHERE name = ? AND version = ?", (name, number)
        ).fetchone()
        return None if row is None else FunctionConfig.from_json(json.loads(row[0]))

    def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        rows = self._db.execute(
            "SELECT config FROM versions WHERE name = ? AND version > ? ORDER BY version LIMIT ?",
            (name, after, limit),
        ).fetchall()
        return [FunctionConfig.from_json(json.loads(r[0])) for r in rows]

    def latest_version(self, name: str) -> FunctionConfig | None:
        row = self._db.execute(
            "SELECT config FROM versions WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)
        ).fetchone()
        return None if row is None else FunctionConfig.from_json(json.loads(row[0]))

    def delete_version(self, name: str, version: str) -> bool:
        number = _number(version)
        if number is None:
            return False
        cur = self._db.execute(
            "DELETE FROM versions WHERE name = ? AND version = ?", (name, number)
        )
        return cur.rowcount == 1

    def get_alias(self, name: str, alias: str) -> Alias | None:
        row = self._db.execute(
            "SELECT config FROM aliases WHERE name = ? AND alias = ?", (name, alias)
        ).fetchone()
        return None if row is None else Alias.from_json(json.loads(row[0]))

    def list_aliases(self, name: str) -> list[Alias]:
        rows = self._db.execute(
            "SELECT config FROM aliases WHERE name = ? ORDER BY alias", (name,)
        ).fetchall()
        return [Alias.from_json(json.loads(r[0])) for r in rows]

    def create_alias(self, alias: Alias) -> bool:
        try:
            self._db.execute(
                "INSERT INTO aliases (name, alias, revision_id, config) VALUES (?, ?, ?, ?)",
                (alias.function_name, alias.name, alias.revision_id, json.dumps(alias.to_json())),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        cur = self._db.execute(
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

    def delete_alias(self, name: str, alias: str) -> bool:
        cur = self._db.execute("DELETE FROM aliases WHERE name = ? AND alias = ?", (name, alias))
        return cur.rowcount == 1

    def drop_function(self, name: str) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for table in ("versions", "version_counters", "aliases"):
                db.execute(f"DELETE FROM {table} WHERE name = ?", (name,))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _number(version: str) -> int | None:
    """A version qualifier as the integer SQLite holds; None if it cannot name a version
    (not digits, or past SQLite's 64-bit integers, which would raise OverflowError)."""
    if not version.isdigit() or not version.isascii() or len(version) > 18:
        return None
    return int(version)
