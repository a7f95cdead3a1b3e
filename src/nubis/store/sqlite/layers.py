"""Layer versions in SQLite (`LayerStore`), on the metadata file's writer thread."""

from __future__ import annotations

import json
import sqlite3
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


def _publish(db: sqlite3.Connection, layer: LayerVersion) -> LayerVersion:
    # One transaction (the writer's): the counter and the row move together.
    row = db.execute("SELECT last FROM layer_counters WHERE name = ?", (layer.name,)).fetchone()
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
    return published


def _layer(text: str) -> LayerVersion:
    return LayerVersion.from_json(json.loads(text))


class SqliteLayerStore(SqliteDb):
    schema = _SCHEMA

    async def publish(self, layer: LayerVersion) -> LayerVersion:
        return await self._run(lambda db: _publish(db, layer))

    async def get(self, name: str, version: int) -> LayerVersion | None:
        def op(db: sqlite3.Connection) -> LayerVersion | None:
            row = db.execute(
                "SELECT config FROM layer_versions WHERE name = ? AND version = ?",
                (name, version),
            ).fetchone()
            return None if row is None else _layer(row[0])

        return await self._run(op)

    async def versions(self, name: str) -> list[LayerVersion]:
        def op(db: sqlite3.Connection) -> list[LayerVersion]:
            rows = db.execute(
                "SELECT config FROM layer_versions WHERE name = ? ORDER BY version DESC", (name,)
            ).fetchall()
            return [_layer(r[0]) for r in rows]

        return await self._run(op)

    async def names(self) -> list[str]:
        def op(db: sqlite3.Connection) -> list[str]:
            rows = db.execute("SELECT DISTINCT name FROM layer_versions ORDER BY name").fetchall()
            return [str(r[0]) for r in rows]

        return await self._run(op)

    async def delete(self, name: str, version: int) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "DELETE FROM layer_versions WHERE name = ? AND version = ?", (name, version)
            )
            return cur.rowcount == 1

        return await self._run(op)
