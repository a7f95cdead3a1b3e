"""`IamStore` against every implementation: memory and SQLite (the tables `nubis serve`
keeps in nubis.db, secrets sealed with a key file). The SQLite store is also reopened on
the same files to show that what a method acknowledged survives `close()`; its secrets
are not in the database file in plain text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nubis.model.iam import (
    INACTIVE,
    AccessKey,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    Role,
    Session,
    User,
    new_access_key_id,
    new_secret,
    new_session_token,
)
from nubis.store.memory.iam import MemoryIamStore
from nubis.store.sqlite.iam import SqliteIamStore
from nubis.store.sqlite.sealing import SealError

ACCOUNT = "123456789012"
Open = Callable[[Path], Any]
BACKENDS: dict[str, Open] = {
    "memory": lambda _d: MemoryIamStore(),
    "sqlite": lambda d: SqliteIamStore(d / "nubis.db", d / "iam.key"),
}


class Opened:
    def __init__(self, open_: Open, where: Path) -> None:
        self._open = open_
        self._where = where
        self._stores: list[Any] = []

    def __call__(self) -> Any:
        store = self._open(self._where)
        self._stores.append(store)
        return store

    def close_all(self) -> None:
        for store in self._stores:
            store.close()
            store.close()  # idempotent


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    opened = Opened(BACKENDS[request.param], tmp_path)
    yield opened()
    opened.close_all()


@pytest.fixture
def reopen(tmp_path: Path) -> Iterator[Opened]:
    opened = Opened(BACKENDS["sqlite"], tmp_path)
    yield opened
    opened.close_all()


def user(name: str, path: str = "/") -> User:
    return User(name, "AIDA" + name.upper().ljust(17, "X")[:17], f"arn:{name}", path, 1.0)


def role(name: str, path: str = "/") -> Role:
    return Role(
        name, "AROA" + "R" * 17, f"arn:aws:iam::{ACCOUNT}:role{path}{name}", path, "{}", 1.0
    )


def policy(name: str, path: str = "/") -> ManagedPolicy:
    arn = f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"
    v1 = PolicyVersion("v1", '{"Version": "2012-10-17"}', 1.0)
    return ManagedPolicy(name, "ANPA" + "P" * 17, arn, path, 1.0, 1.0, "v1", (v1,), 2)


def key(user_name: str, created: float = 1.0) -> AccessKey:
    return AccessKey(new_access_key_id(), user_name, new_secret(), created=created)


def session(expires: float = 2000.0) -> Session:
    return Session(
        new_access_key_id(temporary=True),
        new_secret(),
        new_session_token(),
        expires,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s",
        "AROAXXXXXXXXXXXXXXXXX:s",
        1.0,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/R",
        session_name="s",
        session_policy='{"Version": "2012-10-17", "Statement": []}',
    )


async def test_users_are_keyed_by_name_ignoring_case(store: Any) -> None:
    assert await store.create_user(user("Alice"))
    assert not await store.create_user(user("alice"))
    assert (await store.get_user("ALICE")).name == "Alice"
    assert await store.get_user("bob") is None
    changed = User("Alice", "AIDAX", "arn:x", "/ops/", 2.0, (("team", "a"),))
    assert await store.replace_user(changed)
    assert await store.get_user("alice") == changed
    assert not await store.replace_user(user("nobody"))
    assert await store.delete_user("ALICE")
    assert not await store.delete_user("alice")
    assert await store.get_user("alice") is None


async def test_user_and_role_lists_are_keyset_pages_filtered_by_path(store: Any) -> None:
    for name, path in [("c", "/"), ("a", "/ops/"), ("B", "/ops/x/"), ("d", "/dev/")]:
        await store.create_user(user(name, path))
        await store.create_role(role(name, path))
    for listing in (store.list_users, store.list_roles):
        assert [u.name for u in await listing(None, 10, "/")] == ["a", "B", "c", "d"]
        assert [u.name for u in await listing(None, 2, "/")] == ["a", "B"]
        assert [u.name for u in await listing("b", 10, "/")] == ["c", "d"]
        assert [u.name for u in await listing(None, 10, "/ops/")] == ["a", "B"]
        assert [u.name for u in await listing("a", 1, "/ops/")] == ["B"]
        assert await listing(None, 10, "/none/") == []


async def test_access_keys_of_a_user_oldest_first(store: Any) -> None:
    await store.create_user(user("alice"))
    second, first = key("alice", 2.0), key("Alice", 1.0)
    for k in (second, first, key("bob")):
        assert await store.create_access_key(k)
    assert not await store.create_access_key(first)
    assert await store.list_access_keys("ALICE") == [first, second]
    assert (await store.get_access_key(first.access_key_id)).secret == first.secret
    assert await store.replace_access_key(first.with_status(INACTIVE))
    assert (await store.get_access_key(first.access_key_id)).status == INACTIVE
    assert not await store.replace_access_key(key("alice"))
    assert await store.delete_access_key(first.access_key_id)
    assert not await store.delete_access_key(first.access_key_id)
    assert await store.list_access_keys("alice") == [second]


async def test_roles_replace_and_delete(store: Any) -> None:
    assert await store.create_role(role("Deploy"))
    assert not await store.create_role(role("DEPLOY"))
    updated = Role("Deploy", "AROAR", "arn:r", "/", '{"a": 1}', 1.0, 7200, "d", (("k", "v"),))
    assert await store.replace_role(updated)
    assert await store.get_role("deploy") == updated
    assert await store.delete_role("deploy")
    assert await store.get_role("Deploy") is None
    assert not await store.replace_role(updated)


async def test_policy_names_are_unique_at_any_path(store: Any) -> None:
    first = policy("Read")
    assert await store.create_policy(first)
    assert not await store.create_policy(policy("read", "/other/"))
    assert await store.get_policy(first.arn) == first
    v2 = PolicyVersion("v2", "{}", 3.0)
    newer = ManagedPolicy(
        "Read", first.policy_id, first.arn, "/", 1.0, 3.0, "v2", (*first.versions, v2), 3
    )
    assert await store.replace_policy(newer)
    assert (await store.get_policy(first.arn)).default_document == "{}"
    assert await store.delete_policy(first.arn)
    assert await store.get_policy(first.arn) is None
    assert not await store.replace_policy(newer)


async def test_policy_list_pages_and_only_attached(store: Any) -> None:
    names = ["a", "b", "c"]
    for name in names:
        await store.create_policy(policy(name, "/team/" if name == "b" else "/"))
    arns = [policy(n, "/team/" if n == "b" else "/").arn for n in names]
    everything = await store.list_policies(None, 10, "/", False)
    assert sorted(p.arn for p in everything) == sorted(arns)
    assert [p.name for p in await store.list_policies(None, 10, "/team/", False)] == ["b"]
    first = sorted(arns)[0]
    assert [p.arn for p in await store.list_policies(first, 10, "/", False)] == sorted(arns)[1:]
    await store.attach(OwnerKind.ROLE, "r", arns[2])
    assert [p.name for p in await store.list_policies(None, 10, "/", True)] == ["c"]


async def test_inline_policies_by_owner_and_name_ignoring_case(store: Any) -> None:
    one = InlinePolicy(OwnerKind.USER, "Alice", "Read", "{1}")
    await store.put_inline(one)
    await store.put_inline(InlinePolicy(OwnerKind.USER, "alice", "a-write", "{2}"))
    await store.put_inline(InlinePolicy(OwnerKind.ROLE, "alice", "Read", "{3}"))
    assert await store.get_inline(OwnerKind.USER, "ALICE", "read") == one
    replaced = InlinePolicy(OwnerKind.USER, "Alice", "Read", "{4}")
    await store.put_inline(replaced)
    names = [p.name for p in await store.list_inline(OwnerKind.USER, "alice")]
    assert names == ["a-write", "Read"]
    assert (await store.get_inline(OwnerKind.USER, "alice", "Read")).document == "{4}"
    assert await store.delete_inline(OwnerKind.USER, "alice", "READ")
    assert not await store.delete_inline(OwnerKind.USER, "alice", "READ")
    assert (await store.get_inline(OwnerKind.ROLE, "alice", "read")).document == "{3}"


async def test_attachments(store: Any) -> None:
    assert await store.attach(OwnerKind.USER, "Alice", "arn:b")
    assert await store.attach(OwnerKind.USER, "alice", "arn:a")
    assert not await store.attach(OwnerKind.USER, "ALICE", "arn:a")
    assert await store.attach(OwnerKind.ROLE, "alice", "arn:a")
    assert await store.attached(OwnerKind.USER, "alice") == ["arn:a", "arn:b"]
    assert await store.attachment_count("arn:a") == 2
    assert await store.detach(OwnerKind.USER, "alice", "arn:a")
    assert not await store.detach(OwnerKind.USER, "alice", "arn:a")
    assert await store.attachment_count("arn:a") == 1
    assert await store.attached(OwnerKind.ROLE, "bob") == []


async def test_sessions_and_their_expiry(store: Any) -> None:
    old, new = session(expires=100.0), session(expires=5000.0)
    await store.put_session(old)
    await store.put_session(new)
    assert await store.get_session(old.access_key_id) == old
    assert await store.delete_sessions_expired_before(1000.0) == 1
    assert await store.get_session(old.access_key_id) is None
    assert await store.get_session(new.access_key_id) == new


async def test_secret_source_answers_active_keys_and_sessions(store: Any) -> None:
    await store.create_user(User("alice", "AIDAX", "arn:aws:iam::1:user/alice", "/", 1.0))
    k = key("alice")
    await store.create_access_key(k)
    record = await store.secret(k.access_key_id)
    assert (record.secret, record.principal, record.session_token) == (
        k.secret,
        "arn:aws:iam::1:user/alice",
        None,
    )
    await store.replace_access_key(k.with_status(INACTIVE))
    assert await store.secret(k.access_key_id) is None  # the cache saw the write
    expired = session(expires=10.0)
    await store.put_session(expired)
    temporary = await store.secret(expired.access_key_id)
    assert temporary.session_token == expired.session_token
    assert (temporary.expires, temporary.principal) == (10.0, expired.arn)
    await store.delete_access_key(k.access_key_id)
    assert await store.secret(k.access_key_id) is None
    assert await store.secret("AKIAUNKNOWNUNKNOWN00") is None


async def test_closed_store_refuses(store: Any) -> None:
    store.close()
    with pytest.raises(RuntimeError):
        await store.get_user("alice")


async def test_sqlite_keeps_everything_across_reopen(reopen: Opened) -> None:
    first = reopen()
    await first.create_user(user("alice"))
    k = key("alice")
    await first.create_access_key(k)
    await first.create_role(role("R"))
    await first.create_policy(policy("P"))
    await first.attach(OwnerKind.ROLE, "R", policy("P").arn)
    await first.put_inline(InlinePolicy(OwnerKind.USER, "alice", "i", "{}"))
    s = session()
    await first.put_session(s)
    first.close()
    second = reopen()
    assert (await second.get_user("alice")).name == "alice"
    assert await second.get_access_key(k.access_key_id) == k
    assert (await second.get_role("r")).name == "R"
    assert await second.attached(OwnerKind.ROLE, "R") == [policy("P").arn]
    assert (await second.get_inline(OwnerKind.USER, "alice", "i")).document == "{}"
    assert await second.get_session(s.access_key_id) == s


def _files(where: Path, pattern: str) -> bytes:
    return b"".join(p.read_bytes() for p in where.glob(pattern))


async def test_sqlite_secrets_are_sealed_at_rest(tmp_path: Path, reopen: Opened) -> None:
    store = reopen()
    await store.create_user(user("alice"))
    k = key("alice")
    await store.create_access_key(k)
    s = session()
    await store.put_session(s)
    store.close()
    raw = _files(tmp_path, "nubis.db*")
    for secret in (k.secret, s.secret, s.session_token):
        assert secret.encode() not in raw
    assert k.access_key_id.encode() in raw  # the ids are not secret
    assert (tmp_path / "iam.key").stat().st_mode & 0o777 == 0o600


async def test_sqlite_secrets_do_not_open_with_another_key(tmp_path: Path) -> None:
    store = SqliteIamStore(tmp_path / "nubis.db", tmp_path / "iam.key")
    try:
        await store.create_user(user("alice"))
        k = key("alice")
        await store.create_access_key(k)
    finally:
        store.close()
    other = SqliteIamStore(tmp_path / "nubis.db", tmp_path / "other.key")
    try:
        with pytest.raises(SealError):
            await other.get_access_key(k.access_key_id)
    finally:
        other.close()


async def test_sqlite_sealed_value_moved_to_another_row_does_not_open(tmp_path: Path) -> None:
    store = SqliteIamStore(tmp_path / "nubis.db", tmp_path / "iam.key")
    try:
        await store.create_user(user("alice"))
        one, two = key("alice"), key("alice", 2.0)
        await store.create_access_key(one)
        await store.create_access_key(two)
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "nubis.db") as db:
        docs = dict(db.execute("SELECT id, doc FROM iam_keys").fetchall())
        moved = json.loads(docs[two.access_key_id])
        moved["secret"] = json.loads(docs[one.access_key_id])["secret"]
        db.execute(
            "UPDATE iam_keys SET doc = ? WHERE id = ?", (json.dumps(moved), two.access_key_id)
        )
    db.close()
    reopened = SqliteIamStore(tmp_path / "nubis.db", tmp_path / "iam.key")
    try:
        assert (await reopened.get_access_key(one.access_key_id)) == one
        with pytest.raises(SealError):
            await reopened.get_access_key(two.access_key_id)
    finally:
        reopened.close()


async def test_rename_user_moves_keys_policies_and_attachments(store: Any) -> None:
    await store.create_user(user("ann"))
    await store.create_user(user("bob"))
    k = key("ann")
    await store.create_access_key(k)
    await store.put_inline(InlinePolicy(OwnerKind.USER, "ann", "p", "{}"))
    await store.attach(OwnerKind.USER, "ann", "arn:a")
    await store.put_inline(InlinePolicy(OwnerKind.ROLE, "ann", "r", "{}"))  # a role's: stays
    assert not await store.rename_user("ann", user("BOB"))  # taken, ignoring case
    assert not await store.rename_user("nobody", user("carl"))
    renamed = User("Anna", "AIDAX", "arn:anna", "/new/", 1.0)
    assert await store.rename_user("ANN", renamed)
    assert await store.get_user("ann") is None
    assert await store.get_user("anna") == renamed
    assert [x.user_name for x in await store.list_access_keys("anna")] == ["Anna"]
    assert await store.list_access_keys("ann") == []
    assert (await store.get_access_key(k.access_key_id)).secret == k.secret
    assert [p.owner for p in await store.list_inline(OwnerKind.USER, "anna")] == ["Anna"]
    assert await store.list_inline(OwnerKind.USER, "ann") == []
    assert await store.attached(OwnerKind.USER, "anna") == ["arn:a"]
    assert await store.attached(OwnerKind.USER, "ann") == []
    assert await store.get_inline(OwnerKind.ROLE, "ann", "r") is not None
    assert (await store.secret(k.access_key_id)).principal == "arn:anna"
    assert await store.rename_user("anna", User("ANNA", "AIDAX", "arn:x", "/", 1.0))  # case
