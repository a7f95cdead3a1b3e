"""Layer versions in SQLite (`LayerStore`)."""

from __future__ import annotations

import json
from dataclasses import replace

from nubis.model.versions import LayerVersion
from nubis.store.sqlite.db import SqliteDb

_SCHEMA = """
CREATE TABLE IF NOT EXISTS layer_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS layer_counters (
    name TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
"""


class SqliteLayerStore(SqliteDb):
    schema = _SCHEMA

    def publish(self, layer: LayerVersion) -> LayerVersion:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT last FROM layer_counters WHERE name = ?", (layer.name,)
            ).fetchone()
            number = (row[0] if row else 0) + 1
            db.execute(
                "INSERT INTO layer_counters (name, last) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET last = excluded.last",
                (layer.name, number),
            )
            published = replace(layer, version=number)
            db.execute(
                "INSERT INTO layer_versions (name, version, config) VALUES (?, ?, ?)",
                (layer.name, number, json.dumps(published.to_json())),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return published

    def get(self, name: str, version: int) -> LayerVersion | None:
        row = self._db.execute(
            "SELECT config FROM layer_versions WHERE name = ? AND version = ?", (name, version)
        ).fetchone()
        return None if row is None else LayerVersion.from_json(json.loads(row[0]))

    def versions(self, name: str) -> list[LayerVersion]:
        rows = self._db.execute(
            "SELECT config FROM layer_versions WHERE name = ? ORDER BY version DESC", (name,)
        ).fetchall()
        return [LayerVersion.from_json(json.loads(r[0])) for r in rows]

    def names(self) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT name FROM layer_versions ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def delete(self, name: str, version: int) -> bool:
        cur = self._db.execute(
            "DELETE FROM layer_versions WHERE name = ? AND version = ?", (name, version)
        )
        return cur.rowcount == 1
