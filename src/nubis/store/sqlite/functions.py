"""Function metadata in SQLite (WAL): the embedded default."""

from __future__ import annotations

import json
import sqlite3

from nubis.model.function import FunctionConfig
from nubis.store.sqlite.db import SqliteDb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS functions (
    name TEXT PRIMARY KEY,
    revision_id TEXT NOT NULL,
    config TEXT NOT NULL
);
"""


def _config(text: str) -> FunctionConfig:
    return FunctionConfig.from_json(json.loads(text))


class SqliteFunctionStore(SqliteDb):
    """`FunctionStore` on the metadata file's writer thread (`SqliteDb`). The JSON of a
    configuration is built and parsed there too, off the event loop."""

    schema = _SCHEMA

    async def get(self, name: str) -> FunctionConfig | None:
        def op(db: sqlite3.Connection) -> FunctionConfig | None:
            row = db.execute("SELECT config FROM functions WHERE name = ?", (name,)).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        def op(db: sqlite3.Connection) -> list[FunctionConfig]:
            rows = db.execute(
                "SELECT config FROM functions WHERE name > ? ORDER BY name LIMIT ?",
                (after or "", limit),
            ).fetchall()
            return [_config(r[0]) for r in rows]

        return await self._run(op)

    async def create(self, config: FunctionConfig) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            try:
                db.execute(
                    "INSERT INTO functions (name, revision_id, config) VALUES (?, ?, ?)",
                    (config.name, config.revision_id, json.dumps(config.to_json())),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return await self._run(op)

    async def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "UPDATE functions SET revision_id = ?, config = ? "
                "WHERE name = ? AND revision_id = ?",
                (config.revision_id, json.dumps(config.to_json()), config.name, expected_revision),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def delete(self, name: str) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            return db.execute("DELETE FROM functions WHERE name = ?", (name,)).rowcount == 1

        return await self._run(op)
