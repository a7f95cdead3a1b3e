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


class SqliteFunctionStore(SqliteDb):
    """Metadata rows are small, so statements run inline: a write is one short
    transaction and WAL keeps readers from blocking it."""

    schema = _SCHEMA

    def get(self, name: str) -> FunctionConfig | None:
        row = self._db.execute("SELECT config FROM functions WHERE name = ?", (name,)).fetchone()
        return None if row is None else FunctionConfig.from_json(json.loads(row[0]))

    def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        rows = self._db.execute(
            "SELECT config FROM functions WHERE name > ? ORDER BY name LIMIT ?",
            (after or "", limit),
        ).fetchall()
        return [FunctionConfig.from_json(json.loads(r[0])) for r in rows]

    def create(self, config: FunctionConfig) -> bool:
        try:
            self._db.execute(
                "INSERT INTO functions (name, revision_id, config) VALUES (?, ?, ?)",
                (config.name, config.revision_id, json.dumps(config.to_json())),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        cur = self._db.execute(
            "UPDATE functions SET revision_id = ?, config = ? WHERE name = ? AND revision_id = ?",
            (config.revision_id, json.dumps(config.to_json()), config.name, expected_revision),
        )
        return cur.rowcount == 1

    def delete(self, name: str) -> bool:
        return self._db.execute("DELETE FROM functions WHERE name = ?", (name,)).rowcount == 1
