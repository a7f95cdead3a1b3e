"""Published versions and aliases in PostgreSQL (`VersionStore`)."""

from __future__ import annotations

import json
from dataclasses import replace

from nubis.model.function import FunctionConfig
from nubis.model.versions import Alias
from nubis.store.postgres.db import Conn, PostgresDb

# The counter moves by one upsert, which holds the counter row's lock until the
# transaction commits: two nodes publishing at once get consecutive numbers, never one
# number twice.
_NEXT = (
    "INSERT INTO version_counters (name, last) VALUES (%s, 1) "
    "ON CONFLICT (name) DO UPDATE SET last = version_counters.last + 1 RETURNING last"
)


def _config(text: str) -> FunctionConfig:
    return FunctionConfig.from_json(json.loads(text))


def _alias(text: str) -> Alias:
    return Alias.from_json(json.loads(text))


def _publish(db: Conn, config: FunctionConfig) -> FunctionConfig:
    row = db.execute(_NEXT, (config.name,)).fetchone()
    assert row is not None
    published = replace(config, version=str(row[0]))
    db.execute(
        "INSERT INTO versions (name, version, config) VALUES (%s, %s, %s)",
        (config.name, row[0], json.dumps(published.to_json())),
    )
    return published


def _number(version: str) -> int | None:
    """A version qualifier as a BIGINT; None if it cannot name a version."""
    if not version.isdigit() or not version.isascii() or len(version) > 18:
        return None
    return int(version)


class PostgresVersionStore(PostgresDb):
    async def publish(self, config: FunctionConfig) -> FunctionConfig:
        return await self._run(lambda db: _publish(db, config))

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        number = _number(version)
        if number is None:
            return None

        def op(db: Conn) -> FunctionConfig | None:
            row = db.execute(
                "SELECT config FROM versions WHERE name = %s AND version = %s", (name, number)
            ).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        def op(db: Conn) -> list[FunctionConfig]:
            rows = db.execute(
                "SELECT config FROM versions WHERE name = %s AND version > %s "
                "ORDER BY version LIMIT %s",
                (name, after, limit),
            ).fetchall()
            return [_config(r[0]) for r in rows]

        return await self._run(op)

    async def latest_version(self, name: str) -> FunctionConfig | None:
        def op(db: Conn) -> FunctionConfig | None:
            row = db.execute(
                "SELECT config FROM versions WHERE name = %s ORDER BY version DESC LIMIT 1",
                (name,),
            ).fetchone()
            return None if row is None else _config(row[0])

        return await self._run(op)

    async def delete_version(self, name: str, version: str) -> bool:
        number = _number(version)
        if number is None:
            return False

        def op(db: Conn) -> bool:
            cur = db.execute(
                "DELETE FROM versions WHERE name = %s AND version = %s", (name, number)
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def get_alias(self, name: str, alias: str) -> Alias | None:
        def op(db: Conn) -> Alias | None:
            row = db.execute(
                "SELECT config FROM aliases WHERE name = %s AND alias = %s", (name, alias)
            ).fetchone()
            return None if row is None else _alias(row[0])

        return await self._run(op)

    async def list_aliases(self, name: str) -> list[Alias]:
        def op(db: Conn) -> list[Alias]:
            rows = db.execute(
                "SELECT config FROM aliases WHERE name = %s ORDER BY alias", (name,)
            ).fetchall()
            return [_alias(r[0]) for r in rows]

        return await self._run(op)

    async def create_alias(self, alias: Alias) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "INSERT INTO aliases (name, alias, revision_id, config) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (name, alias) DO NOTHING",
                (alias.function_name, alias.name, alias.revision_id, json.dumps(alias.to_json())),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "UPDATE aliases SET revision_id = %s, config = %s "
                "WHERE name = %s AND alias = %s AND revision_id = %s",
                (
                    alias.revision_id,
                    json.dumps(alias.to_json()),
                    alias.function_name,
                    alias.name,
                    expected_revision,
                ),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def delete_alias(self, name: str, alias: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute("DELETE FROM aliases WHERE name = %s AND alias = %s", (name, alias))
            return cur.rowcount == 1

        return await self._run(op)

    async def drop_function(self, name: str) -> None:
        def op(db: Conn) -> None:  # one transaction: all three or none
            db.execute("DELETE FROM versions WHERE name = %s", (name,))
            db.execute("DELETE FROM version_counters WHERE name = %s", (name,))
            db.execute("DELETE FROM aliases WHERE name = %s", (name,))

        await self._run(op)
