"""Reserved and provisioned concurrency settings in PostgreSQL (`ConcurrencyStore`)."""

from __future__ import annotations

from nubis.model.versions import ProvisionedConfig
from nubis.store.postgres.db import Conn, PostgresDb

_COLUMNS = "name, qualifier, requested, last_modified"


def _list_provisioned(db: Conn, name: str | None) -> list[ProvisionedConfig]:
    if name is None:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM provisioned_concurrency ORDER BY name, qualifier"
        ).fetchall()
    else:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM provisioned_concurrency WHERE name = %s ORDER BY qualifier",
            (name,),
        ).fetchall()
    return [ProvisionedConfig(*row) for row in rows]


class PostgresConcurrencyStore(PostgresDb):
    async def reserved(self, name: str) -> int | None:
        def op(db: Conn) -> int | None:
            row = db.execute(
                "SELECT value FROM reserved_concurrency WHERE name = %s", (name,)
            ).fetchone()
            return None if row is None else int(row[0])

        return await self._run(op)

    async def all_reserved(self) -> dict[str, int]:
        def op(db: Conn) -> dict[str, int]:
            rows = db.execute("SELECT name, value FROM reserved_concurrency").fetchall()
            return {str(name): int(value) for name, value in rows}

        return await self._run(op)

    async def set_reserved(self, name: str, value: int | None) -> None:
        def op(db: Conn) -> None:
            if value is None:
                db.execute("DELETE FROM reserved_concurrency WHERE name = %s", (name,))
                return
            db.execute(
                "INSERT INTO reserved_concurrency (name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

        await self._run(op)

    async def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None:
        def op(db: Conn) -> ProvisionedConfig | None:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM provisioned_concurrency "
                "WHERE name = %s AND qualifier = %s",
                (name, qualifier),
            ).fetchone()
            return None if row is None else ProvisionedConfig(*row)

        return await self._run(op)

    async def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        return await self._run(lambda db: _list_provisioned(db, name))

    async def put_provisioned(self, config: ProvisionedConfig) -> None:
        def op(db: Conn) -> None:
            db.execute(
                f"INSERT INTO provisioned_concurrency ({_COLUMNS}) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (name, qualifier) DO UPDATE SET "
                "requested = excluded.requested, last_modified = excluded.last_modified",
                (config.function_name, config.qualifier, config.requested, config.last_modified),
            )

        await self._run(op)

    async def delete_provisioned(self, name: str, qualifier: str) -> bool:
        def op(db: Conn) -> bool:
            cur = db.execute(
                "DELETE FROM provisioned_concurrency WHERE name = %s AND qualifier = %s",
                (name, qualifier),
            )
            return cur.rowcount == 1

        return await self._run(op)

    async def drop_function(self, name: str) -> None:
        def op(db: Conn) -> None:
            db.execute("DELETE FROM reserved_concurrency WHERE name = %s", (name,))
            db.execute("DELETE FROM provisioned_concurrency WHERE name = %s", (name,))

        await self._run(op)
