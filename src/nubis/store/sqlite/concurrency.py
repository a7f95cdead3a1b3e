"""Reserved and provisioned concurrency settings in SQLite (`ConcurrencyStore`)."""

from __future__ import annotations

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


class SqliteConcurrencyStore(SqliteDb):
    schema = _SCHEMA

    def reserved(self, name: str) -> int | None:
        row = self._db.execute(
            "SELECT value FROM reserved_concurrency WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else int(row[0])

    def all_reserved(self) -> dict[str, int]:
        rows = self._db.execute("SELECT name, value FROM reserved_concurrency").fetchall()
        return {str(name): int(value) for name, value in rows}

    def set_reserved(self, name: str, value: int | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM reserved_concurrency WHERE name = ?", (name,))
        else:
            self._db.execute(
                "INSERT INTO reserved_concurrency (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None:
        row = self._db.execute(
            f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency "
            "WHERE name = ? AND qualifier = ?",
            (name, qualifier),
        ).fetchone()
        return None if row is None else ProvisionedConfig(*row)

    def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        if name is None:
            rows = self._db.execute(
                f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency "
                "ORDER BY name, qualifier"
            ).fetchall()
        else:
            rows = self._db.execute(
                f"SELECT {_PROVISIONED_COLUMNS} FROM provisioned_concurrency "
                "WHERE name = ? ORDER BY qualifier",
                (name,),
            ).fetchall()
        return [ProvisionedConfig(*row) for row in rows]

    def put_provisioned(self, config: ProvisionedConfig) -> None:
        self._db.execute(
            f"INSERT INTO provisioned_concurrency ({_PROVISIONED_COLUMNS}) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name, qualifier) DO UPDATE SET requested = excluded.requested, "
            "last_modified = excluded.last_modified",
            (config.function_name, config.qualifier, config.requested, config.last_modified),
        )

    def delete_provisioned(self, name: str, qualifier: str) -> bool:
        cur = self._db.execute(
            "DELETE FROM provisioned_concurrency WHERE name = ? AND qualifier = ?",
            (name, qualifier),
        )
        return cur.rowcount == 1

    def drop_function(self, name: str) -> None:
        self._db.execute("DELETE FROM reserved_concurrency WHERE name = ?", (name,))
        self._db.execute("DELETE FROM provisioned_concurrency WHERE name = ?", (name,))
