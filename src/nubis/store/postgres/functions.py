"""Function metadata in PostgreSQL (`FunctionStore`)."""

from __future__ import annotations

import json

from nubis.model.function import FunctionConfig
from nubis.store.postgres.db import Conn, PostgresDb


def _config(text: str) -> FunctionConfig:
    return FunctionConfig.from_json(json.loads(text))


class PostgresFunctionStore(PostgresDb):
    """`replace` is one conditional UPDATE: of two nodes that read the same revision, the
    second's UPDATE waits for the first's row lock, then finds the revision changed and
    matches no row (READ COMMITTED re-checks the WHERE on the new row version)."""

    async def get(self, name: str) -> FunctionConfig | None:
        def op(db: Conn) -> FunctionConfig | None:
            row = db.execute("SELECT config FROM functions WHERE name = %s", (name,)).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        def op(db: Conn) -> list[FunctionConfig]:
            rows = db.execute(
                "SELECT config FROM functions WHERE name > %s ORDER BY name LIMIT %s",
                (after or "", limit),
            ).fetchall()
            return [_config(r[0]) for r in rows]

        return await self._run(op)

    async def create(self, config: FunctionConfig) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "INSERT INTO functions (name, revision_id, config) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                (config.name, config.revision_id, json.dumps(config.to_json())),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "UPDATE functions SET revision_id = %s, config = %s "
                "WHERE name = %s AND revision_id = %s",
                (config.revision_id, json.dumps(config.to_json()), config.name, expected_revision),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def delete(self, name: str) -> bool:
        def op(db: Conn) -> bool:
            return db.execute("DELETE FROM functions WHERE name = %s", (name,)).rowcount == 1

        return await self._run(op)
