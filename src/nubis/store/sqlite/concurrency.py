"""Reserved and provisioned concurrency settings in SQLite (`ConcurrencyStore`), on the
metadata file's writer thread."""

from __future__ import annotations

import sqlite3

from nubis.model.versions import ProvisionedConfig
from nubis.store.sqlite.db import SqliteDb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reserved_concurrency (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS provisioned_concurrency (
    name TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    requested INTEGER NOT NULL,
    last_modified TEXT NOT NULL,
    PRIMARY KEY (name, qualifier)
);
"""

_PROVISIONED_COLUMNS = "name, qualifier, requested, last_modified"


def _set_reserved(db: sqlite3.Connection, name: str, value: int | None) -> None:
    if value is None:
        db.execute("DELETE FROM reserved_concurrency WHERE name = ?", (name,))
    else:
        db.execute(
            "INSERT INTO reserved_concurrency (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )


def _list_provisioned(db: sqlite3.Connection, name: str | None) -> list[ProvisionedConfig]:
    if name is None:
        rows = db.execute(
            f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency ORDER BY name, qualifier"
        ).fetchall()
    else:
        rows = db.execute(
            f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency "
            "WHERE name = ? ORDER BY qualifier",
            (name,),
        ).fetchall()
    return [ProvisionedConfig(*row) for row in rows]


class SqliteConcurrencyStore(SqliteDb):
    schema = _SCHEMA

    async def reserved(self, name: str) -> int | None:
        def op(db: sqlite3.Connection) -> int | None:
            row = db.execute(
                "SELECT value FROM reserved_concurrency WHERE name = ?", (name,)
            ).fetchone()
            return None if row is None else int(row[0])

        return await self._run(op)

    async def all_reserved(self) -> dict[str, int]:
        def op(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute("SELECT name, value FROM reserved_concurrency").fetchall()
            return {str(name): int(value) for name, value in rows}

        return await self._run(op)

    async def set_reserved(self, name: str, value: int | None) -> None:
        await self._run(lambda db: _set_reserved(db, name, value))

    async def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None:
        def op(db: sqlite3.Connection) -> ProvisionedConfig | None:
            row = db.execute(
                f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency "
                "WHERE name = ? AND qualifier = ?",
                (name, qualifier),
            ).fetchone()
            return None if row is None else ProvisionedConfig(*row)

        return await self._run(op)

    async def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        return await self._run(lambda db: _list_provisioned(db, name))

    async def put_provisioned(self, config: ProvisionedConfig) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT INTO provisioned_concurrency ({_PROVISIONED_COLUMNS}) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(name, qualifier) DO UPDATE SET "
                "requested = excluded.requested, last_modified = excluded.last_modified",
                (config.function_name, config.qualifier, config.requested, config.last_modified),
            )

        await self._run(op)

    async def delete_provisioned(self, name: str, qualifier: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "DELETE FROM provisioned_concurrency WHERE name = ? AND qualifier = ?",
                (name, qualifier),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def drop_function(self, name: str) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM reserved_concurrency WHERE name = ?", (name,))
            db.execute("DELETE FROM provisioned_concurrency WHERE name = ?", (name,))

        await self._run(op)
