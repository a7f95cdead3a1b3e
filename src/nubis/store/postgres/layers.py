"""Layer versions in PostgreSQL (`LayerStore`)."""

from __future__ import annotations

import json
from dataclasses import replace

from nubis.model.versions import LayerVersion
from nubis.store.postgres.db import Conn, PostgresDb

# One upsert moves the counter and holds its row until commit (see versions.py).
_NEXT = (
    "INSERT INTO layer_counters (name, last) VALUES (%s, 1) "
    "ON CONFLICT (name) DO UPDATE SET last = layer_counters.last + 1 RETURNING last"
)


def _publish(db: Conn, layer: LayerVersion) -> LayerVersion:
    row = db.execute(_NEXT, (layer.name,)).fetchone()
    assert row is not None
    published = replace(layer, version=int(row[0]))
    db.execute(
        "INSERT INTO layer_versions (name, version, config) VALUES (%s, %s, %s)",
        (layer.name, row[0], json.dumps(published.to_json())),
    )
    return published


def _layer(text: str) -> LayerVersion:
    return LayerVersion.from_json(json.loads(text))


class PostgresLayerStore(PostgresDb):
    async def publish(self, layer: LayerVersion) -> LayerVersion:
        return await self._run(lambda db: _publish(db, layer))

    async def get(self, name: str, version: int) -> LayerVersion | None:
        def op(db: Conn) -> LayerVersion | None:
            row = db.execute(
                "SELECT config FROM layer_versions WHERE name = %s AND version = %s",
                (name, version),
            ).fetchone()
            return None if row is None else _layer(row[0])

        return await self._run(op)

    async def versions(self, name: str) -> list[LayerVersion]:
        def op(db: Conn) -> list[LayerVersion]:
            rows = db.execute(
                "SELECT config FROM layer_versions WHERE name = %s ORDER BY version DESC",
                (name,),
            ).fetchall()
            return [_layer(r[0]) for r in rows]

        return await self._run(op)

    async def names(self) -> list[str]:
        def op(db: Conn) -> list[str]:
            rows = db.execute("SELECT DISTINCT name FROM layer_versions ORDER BY name").fetchall()
            return [str(r[0]) for r in rows]

        return await self._run(op)

    async def delete(self, name: str, version: int) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "DELETE FROM layer_versions WHERE name = %s AND version = %s", (name, version)
            )
            return cur.rowcount == 1

        return await self._run(op)
