"""`IamStore` as tables of the metadata file (`nubis.db`), on its writer thread.

IAM's entities are metadata like functions: they share `nubis.db`'s writer (no second
writer thread, no second file to back up) and its durability (a commit survives a crash
of the process). Each record is a JSON document in a row keyed as the Protocol says;
the columns beside it are what lookups and pages filter on. Secrets are sealed
(`sealing.Sealer`) with the key file given to the constructor, kept outside the data
directory by the wiring, so a copy of the database alone does not hand them out.

`secret()` is called once per signed request: its answers are cached here, and every
write through this object that could change one drops the cache (one process owns the
file, so no write comes from elsewhere).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

from nubis.http.secrets import KeyRecord
from nubis.model.iam import (
    ACTIVE,
    AccessKey,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    Role,
    Session,
    User,
)
from nubis.store.iam import session_key_record, user_key_record
from nubis.store.sqlite.db import SqliteDb
from nubis.store.sqlite.sealing import Sealer, load_or_create_key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS iam_users (key TEXT PRIMARY KEY, path TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS iam_keys (
    id TEXT PRIMARY KEY, user_key TEXT NOT NULL, created REAL NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS iam_keys_user ON iam_keys (user_key, created);
CREATE TABLE IF NOT EXISTS iam_roles (key TEXT PRIMARY KEY, path TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS iam_policies (
    arn TEXT PRIMARY KEY, name_key TEXT NOT NULL UNIQUE, path TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS iam_inline (
    kind TEXT NOT NULL, owner_key TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (kind, owner_key, name_key));
CREATE TABLE IF NOT EXISTS iam_attached (
    kind TEXT NOT NULL, owner_key TEXT NOT NULL, arn TEXT NOT NULL,
    PRIMARY KEY (kind, owner_key, arn));
CREATE INDEX IF NOT EXISTS iam_attached_arn ON iam_attached (arn);
CREATE TABLE IF NOT EXISTS iam_sessions (
    id TEXT PRIMARY KEY, expires REAL NOT NULL, doc TEXT NOT NULL);
"""

_CACHE_MAX = 10_000
_PREFIX_WHERE = "substr(path, 1, length(?)) = ?"


def _dump(record: Any) -> str:
    return json.dumps(dataclasses.asdict(record))


def _tags(raw: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in raw)


def _user(text: str) -> User:
    d = json.loads(text)
    return User(**{**d, "tags": _tags(d["tags"])})


def _role(text: str) -> Role:
    d = json.loads(text)
    return Role(**{**d, "tags": _tags(d["tags"])})


def _policy(text: str) -> ManagedPolicy:
    d = json.loads(text)
    versions = tuple(PolicyVersion(**v) for v in d["versions"])
    return ManagedPolicy(**{**d, "versions": versions, "tags": _tags(d["tags"])})


def _inline(text: str) -> InlinePolicy:
    d = json.loads(text)
    return InlinePolicy(**{**d, "owner_kind": OwnerKind(d["owner_kind"])})


def _inline_doc(policy: InlinePolicy) -> str:
    return json.dumps({**dataclasses.asdict(policy), "owner_kind": policy.owner_kind.value})


class SqliteIamStore(SqliteDb):
    """`IamStore` on `nubis.db`; secrets sealed with the key in `key_file` (created,
    mode 0600, on first use)."""

    schema = _SCHEMA

    def __init__(self, path: Path, key_file: Path) -> None:
        self._sealer = Sealer(load_or_create_key(key_file))
        self._secrets: dict[str, KeyRecord | None] = {}
        self._generation = 0  # bumped by every write that may change a `secret` answer
        super().__init__(path)

    # ------------------------------------------------------------ helpers
    async def _one(self, sql: str, args: tuple[Any, ...]) -> str | None:
        def op(db: sqlite3.Connection) -> str | None:
            row = db.execute(sql, args).fetchone()
            return None if row is None else str(row[0])

        return await self._run(op)

    async def _all(self, sql: str, args: tuple[Any, ...]) -> list[str]:
        def op(db: sqlite3.Connection) -> list[str]:
            return [str(r[0]) for r in db.execute(sql, args).fetchall()]

        return await self._run(op)

    async def _insert(self, sql: str, args: tuple[Any, ...]) -> bool:
        def op(db: sqlite3.Connection) -> bool:
            try:
                db.execute(sql, args)
            except sqlite3.IntegrityError:
                return False
            return True

        return await self._run(op)

    async def _count(self, sql: str, args: tuple[Any, ...]) -> int:
        def op(db: sqlite3.Connection) -> int:
            return db.execute(sql, args).rowcount

        return await self._run(op)

    async def _page(
        self, table: str, key: str, after: str | None, limit: int, prefix: str, extra: str = ""
    ) -> list[str]:
        sql = (
            f"SELECT doc FROM {table} WHERE {key} > ? AND {_PREFIX_WHERE}{extra} "
            f"ORDER BY {key} LIMIT ?"
        )
        return await self._all(sql, (after or "", prefix, prefix, limit))

    def _forget(self) -> None:
        self._generation += 1
        self._secrets.clear()

    # ----------------------------------------------------------------- users
    async def create_user(self, user: User) -> bool:
        sql = "INSERT INTO iam_users (key, path, doc) VALUES (?, ?, ?)"
        return await self._insert(sql, (user.name.lower(), user.path, _dump(user)))

    async def get_user(self, name: str) -> User | None:
        doc = await self._one("SELECT doc FROM iam_users WHERE key = ?", (name.lower(),))
        return None if doc is None else _user(doc)

    async def replace_user(self, user: User) -> bool:
        self._forget()
        sql = "UPDATE iam_users SET path = ?, doc = ? WHERE key = ?"
        return await self._count(sql, (user.path, _dump(user), user.name.lower())) == 1

    async def list_users(self, after: str | None, limit: int, path_prefix: str) -> list[User]:
        return [_user(d) for d in await self._page("iam_users", "key", after, limit, path_prefix)]

    async def rename_user(self, old_name: str, user: User) -> bool:
        self._forget()
        old, new = old_name.lower(), user.name.lower()

        def exists(db: sqlite3.Connection, key: str) -> bool:
            return (
                db.execute("SELECT 1 FROM iam_users WHERE key = ?", (key,)).fetchone() is not None
            )

        def op(db: sqlite3.Connection) -> bool:
            # Read and rewritten in one transaction: a key or policy added meanwhile moves too.
            if not exists(db, old) or (new != old and exists(db, new)):
                return False
            db.execute(
                "UPDATE iam_users SET key = ?, path = ?, doc = ? WHERE key = ?",
                (new, user.path, _dump(user), old),
            )
            rows = db.execute("SELECT doc FROM iam_keys WHERE user_key = ?", (old,)).fetchall()
            for (doc,) in rows:
                key = dataclasses.replace(self._access_key(doc), user_name=user.name)
                db.execute(
                    "UPDATE iam_keys SET user_key = ?, doc = ? WHERE id = ?",
                    (new, self._key_doc(key), key.access_key_id),
                )
            rows = db.execute(
                "SELECT doc FROM iam_inline WHERE kind = 'user' AND owner_key = ?", (old,)
            ).fetchall()
            db.execute("DELETE FROM iam_inline WHERE kind = 'user' AND owner_key = ?", (old,))
            for (doc,) in rows:
                policy = dataclasses.replace(_inline(doc), owner=user.name)
                db.execute(
                    "INSERT INTO iam_inline (kind, owner_key, name_key, doc) VALUES (?,?,?,?)",
                    ("user", new, policy.name.lower(), _inline_doc(policy)),
                )
            db.execute(
                "UPDATE iam_attached SET owner_key = ? WHERE kind = 'user' AND owner_key = ?",
                (new, old),
            )
            return True

        return await self._run(op)

    async def delete_user(self, name: str) -> bool:
        self._forget()
        return await self._count("DELETE FROM iam_users WHERE key = ?", (name.lower(),)) == 1

    # ------------------------------------------------------------ access keys
    def _key_doc(self, key: AccessKey) -> str:
        sealed = dataclasses.replace(key, secret=self._sealer.seal(key.secret, key.access_key_id))
        return _dump(sealed)

    def _access_key(self, text: str) -> AccessKey:
        key = AccessKey(**json.loads(text))
        return dataclasses.replace(key, secret=self._sealer.open(key.secret, key.access_key_id))

    async def create_access_key(self, key: AccessKey) -> bool:
        self._forget()
        sql = "INSERT INTO iam_keys (id, user_key, created, doc) VALUES (?, ?, ?, ?)"
        args = (key.access_key_id, key.user_name.lower(), key.created, self._key_doc(key))
        return await self._insert(sql, args)

    async def get_access_key(self, access_key_id: str) -> AccessKey | None:
        doc = await self._one("SELECT doc FROM iam_keys WHERE id = ?", (access_key_id,))
        return None if doc is None else self._access_key(doc)

    async def list_access_keys(self, user_name: str) -> list[AccessKey]:
        sql = "SELECT doc FROM iam_keys WHERE user_key = ? ORDER BY created, id"
        return [self._access_key(d) for d in await self._all(sql, (user_name.lower(),))]

    async def replace_access_key(self, key: AccessKey) -> bool:
        self._forget()
        sql = "UPDATE iam_keys SET doc = ? WHERE id = ?"
        return await self._count(sql, (self._key_doc(key), key.access_key_id)) == 1

    async def delete_access_key(self, access_key_id: str) -> bool:
        self._forget()
        return await self._count("DELETE FROM iam_keys WHERE id = ?", (access_key_id,)) == 1

    # ----------------------------------------------------------------- roles
    async def create_role(self, role: Role) -> bool:
        sql = "INSERT INTO iam_roles (key, path, doc) VALUES (?, ?, ?)"
        return await self._insert(sql, (role.name.lower(), role.path, _dump(role)))

    async def get_role(self, name: str) -> Role | None:
        doc = await self._one("SELECT doc FROM iam_roles WHERE key = ?", (name.lower(),))
        return None if doc is None else _role(doc)

    async def replace_role(self, role: Role) -> bool:
        sql = "UPDATE iam_roles SET path = ?, doc = ? WHERE key = ?"
        return await self._count(sql, (role.path, _dump(role), role.name.lower())) == 1

    async def list_roles(self, after: str | None, limit: int, path_prefix: str) -> list[Role]:
        return [_role(d) for d in await self._page("iam_roles", "key", after, limit, path_prefix)]

    async def delete_role(self, name: str) -> bool:
        return await self._count("DELETE FROM iam_roles WHERE key = ?", (name.lower(),)) == 1

    # ------------------------------------------------------- managed policies
    async def create_policy(self, policy: ManagedPolicy) -> bool:
        sql = "INSERT INTO iam_policies (arn, name_key, path, doc) VALUES (?, ?, ?, ?)"
        args = (policy.arn, policy.name.lower(), policy.path, _dump(policy))
        return await self._insert(sql, args)

    async def get_policy(self, arn: str) -> ManagedPolicy | None:
        doc = await self._one("SELECT doc FROM iam_policies WHERE arn = ?", (arn,))
        return None if doc is None else _policy(doc)

    async def replace_policy(self, policy: ManagedPolicy) -> bool:
        sql = "UPDATE iam_policies SET doc = ? WHERE arn = ?"
        return await self._count(sql, (_dump(policy), policy.arn)) == 1

    async def list_policies(
        self, after: str | None, limit: int, path_prefix: str, only_attached: bool
    ) -> list[ManagedPolicy]:
        extra = " AND arn IN (SELECT arn FROM iam_attached)" if only_attached else ""
        docs = await self._page("iam_policies", "arn", after, limit, path_prefix, extra)
        return [_policy(d) for d in docs]

    async def delete_policy(self, arn: str) -> bool:
        return await self._count("DELETE FROM iam_policies WHERE arn = ?", (arn,)) == 1

    # -------------------------------------------------------- inline policies
    async def put_inline(self, policy: InlinePolicy) -> None:
        sql = "INSERT OR REPLACE INTO iam_inline (kind, owner_key, name_key, doc) VALUES (?,?,?,?)"
        key = (policy.owner_kind.value, policy.owner.lower(), policy.name.lower())
        await self._count(sql, (*key, _inline_doc(policy)))

    async def get_inline(self, kind: OwnerKind, owner: str, name: str) -> InlinePolicy | None:
        sql = "SELECT doc FROM iam_inline WHERE kind = ? AND owner_key = ? AND name_key = ?"
        doc = await self._one(sql, (kind.value, owner.lower(), name.lower()))
        return None if doc is None else _inline(doc)

    async def list_inline(self, kind: OwnerKind, owner: str) -> list[InlinePolicy]:
        sql = "SELECT doc FROM iam_inline WHERE kind = ? AND owner_key = ? ORDER BY name_key"
        return [_inline(d) for d in await self._all(sql, (kind.value, owner.lower()))]

    async def delete_inline(self, kind: OwnerKind, owner: str, name: str) -> bool:
        sql = "DELETE FROM iam_inline WHERE kind = ? AND owner_key = ? AND name_key = ?"
        return await self._count(sql, (kind.value, owner.lower(), name.lower())) == 1

    # ------------------------------------------------------------ attachments
    async def attach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool:
        sql = "INSERT INTO iam_attached (kind, owner_key, arn) VALUES (?, ?, ?)"
        return await self._insert(sql, (kind.value, owner.lower(), policy_arn))

    async def detach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool:
        sql = "DELETE FROM iam_attached WHERE kind = ? AND owner_key = ? AND arn = ?"
        return await self._count(sql, (kind.value, owner.lower(), policy_arn)) == 1

    async def attached(self, kind: OwnerKind, owner: str) -> list[str]:
        sql = "SELECT arn FROM iam_attached WHERE kind = ? AND owner_key = ? ORDER BY arn"
        return await self._all(sql, (kind.value, owner.lower()))

    async def attachment_count(self, policy_arn: str) -> int:
        found = await self._one("SELECT count(*) FROM iam_attached WHERE arn = ?", (policy_arn,))
        return int(found or 0)

    # --------------------------------------------------------------- sessions
    def _session_doc(self, session: Session) -> str:
        aad = session.access_key_id
        sealed = dataclasses.replace(
            session,
            secret=self._sealer.seal(session.secret, aad),
            session_token=self._sealer.seal(session.session_token, aad),
        )
        return _dump(sealed)

    def _session(self, text: str) -> Session:
        s = Session(**json.loads(text))
        aad = s.access_key_id
        return dataclasses.replace(
            s,
            secret=self._sealer.open(s.secret, aad),
            session_token=self._sealer.open(s.session_token, aad),
        )

    async def put_session(self, session: Session) -> None:
        self._forget()
        sql = "INSERT OR REPLACE INTO iam_sessions (id, expires, doc) VALUES (?, ?, ?)"
        await self._count(sql, (session.access_key_id, session.expires, self._session_doc(session)))

    async def get_session(self, access_key_id: str) -> Session | None:
        doc = await self._one("SELECT doc FROM iam_sessions WHERE id = ?", (access_key_id,))
        return None if doc is None else self._session(doc)

    async def delete_sessions_expired_before(self, moment: float) -> int:
        self._forget()
        return await self._count("DELETE FROM iam_sessions WHERE expires < ?", (moment,))

    # ---------------------------------------------------------- SecretSource
    async def secret(self, access_key: str) -> KeyRecord | None:
        if access_key in self._secrets:
            return self._secrets[access_key]
        generation = self._generation
        record = await self._lookup(access_key)
        if generation != self._generation:
            return record  # a write came in meanwhile: do not cache what may be stale
        if len(self._secrets) >= _CACHE_MAX:
            self._secrets.clear()
        self._secrets[access_key] = record
        return record

    async def _lookup(self, access_key: str) -> KeyRecord | None:
        session = await self.get_session(access_key)
        if session is not None:
            return session_key_record(session)
        key = await self.get_access_key(access_key)
        if key is None or key.status != ACTIVE:
            return None
        user = await self.get_user(key.user_name)
        return None if user is None else user_key_record(key, user.arn)
