"""`IamStore` in memory (tests, and the fake beside the SQLite store)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TypeVar

from nubis.http.secrets import KeyRecord
from nubis.model.iam import (
    ACTIVE,
    AccessKey,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    Role,
    Session,
    User,
)
from nubis.store.iam import session_key_record, user_key_record
from nubis.store.memory._closing import Closing

T = TypeVar("T")
_Owner = tuple[OwnerKind, str]


def _page(
    records: Iterable[tuple[str, T]], after: str | None, limit: int, keep: Callable[[T], bool]
) -> list[T]:
    ordered = sorted((k, r) for k, r in records if (after is None or k > after) and keep(r))
    return [r for _k, r in ordered[:limit]]


def _insert(records: dict[str, T], key: str, record: T) -> bool:
    if key in records:
        return False
    records[key] = record
    return True


class MemoryIamStore(Closing):
    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._keys: dict[str, AccessKey] = {}
        self._roles: dict[str, Role] = {}
        self._policies: dict[str, ManagedPolicy] = {}
        self._inline: dict[tuple[OwnerKind, str, str], InlinePolicy] = {}
        self._attached: dict[_Owner, set[str]] = {}
        self._sessions: dict[str, Session] = {}

    # ----------------------------------------------------------------- users
    async def create_user(self, user: User) -> bool:
        self._open()
        return _insert(self._users, user.name.lower(), user)

    async def get_user(self, name: str) -> User | None:
        self._open()
        return self._users.get(name.lower())

    async def replace_user(self, user: User) -> bool:
        self._open()
        if user.name.lower() not in self._users:
            return False
        self._users[user.name.lower()] = user
        return True

    async def list_users(self, after: str | None, limit: int, path_prefix: str) -> list[User]:
        self._open()
        return _page(self._users.items(), after, limit, lambda u: u.path.startswith(path_prefix))

    async def rename_user(self, old_name: str, user: User) -> bool:
        self._open()
        old, new = old_name.lower(), user.name.lower()
        if old not in self._users or (new != old and new in self._users):
            return False
        del self._users[old]
        self._users[new] = user
        for key_id, key in list(self._keys.items()):
            if key.user_name.lower() == old:
                self._keys[key_id] = dataclasses.replace(key, user_name=user.name)
        for (kind, owner, name), policy in list(self._inline.items()):
            if kind is OwnerKind.USER and owner == old:
                del self._inline[(kind, owner, name)]
                self._inline[(kind, new, name)] = dataclasses.replace(policy, owner=user.name)
        arns = self._attached.pop((OwnerKind.USER, old), set())
        if arns:
            self._attached[(OwnerKind.USER, new)] = arns
        return True

    async def delete_user(self, name: str) -> bool:
        self._open()
        return self._users.pop(name.lower(), None) is not None

    # ------------------------------------------------------------ access keys
    async def create_access_key(self, key: AccessKey) -> bool:
        self._open()
        return _insert(self._keys, key.access_key_id, key)

    async def get_access_key(self, access_key_id: str) -> AccessKey | None:
        self._open()
        return self._keys.get(access_key_id)

    async def list_access_keys(self, user_name: str) -> list[AccessKey]:
        self._open()
        mine = [k for k in self._keys.values() if k.user_name.lower() == user_name.lower()]
        return sorted(mine, key=lambda k: (k.created, k.access_key_id))

    async def replace_access_key(self, key: AccessKey) -> bool:
        self._open()
        if key.access_key_id not in self._keys:
            return False
        self._keys[key.access_key_id] = key
        return True

    async def delete_access_key(self, access_key_id: str) -> bool:
        self._open()
        return self._keys.pop(access_key_id, None) is not None

    # ----------------------------------------------------------------- roles
    async def create_role(self, role: Role) -> bool:
        self._open()
        return _insert(self._roles, role.name.lower(), role)

    async def get_role(self, name: str) -> Role | None:
        self._open()
        return self._roles.get(name.lower())

    async def replace_role(self, role: Role) -> bool:
        self._open()
        if role.name.lower() not in self._roles:
            return False
        self._roles[role.name.lower()] = role
        return True

    async def list_roles(self, after: str | None, limit: int, path_prefix: str) -> list[Role]:
        self._open()
        return _page(self._roles.items(), after, limit, lambda r: r.path.startswith(path_prefix))

    async def delete_role(self, name: str) -> bool:
        self._open()
        return self._roles.pop(name.lower(), None) is not None

    # ------------------------------------------------------- managed policies
    async def create_policy(self, policy: ManagedPolicy) -> bool:
        self._open()
        name = policy.name.lower()
        if any(p.name.lower() == name for p in self._policies.values()):
            return False
        self._policies[policy.arn] = policy
        return True

    async def get_policy(self, arn: str) -> ManagedPolicy | None:
        self._open()
        return self._policies.get(arn)

    async def replace_policy(self, policy: ManagedPolicy) -> bool:
        self._open()
        if policy.arn not in self._policies:
            return False
        self._policies[policy.arn] = policy
        return True

    async def list_policies(
        self, after: str | None, limit: int, path_prefix: str, only_attached: bool
    ) -> list[ManagedPolicy]:
        self._open()
        used = set().union(*self._attached.values()) if only_attached else set()

        def keep(p: ManagedPolicy) -> bool:
            return p.path.startswith(path_prefix) and (not only_attached or p.arn in used)

        return _page(self._policies.items(), after, limit, keep)

    async def delete_policy(self, arn: str) -> bool:
        self._open()
        return self._policies.pop(arn, None) is not None

    # -------------------------------------------------------- inline policies
    async def put_inline(self, policy: InlinePolicy) -> None:
        self._open()
        key = (policy.owner_kind, policy.owner.lower(), policy.name.lower())
        self._inline[key] = policy

    async def get_inline(self, kind: OwnerKind, owner: str, name: str) -> InlinePolicy | None:
        self._open()
        return self._inline.get((kind, owner.lower(), name.lower()))

    async def list_inline(self, kind: OwnerKind, owner: str) -> list[InlinePolicy]:
        self._open()
        mine = [(k[2], p) for k, p in self._inline.items() if k[:2] == (kind, owner.lower())]
        return [p for _name, p in sorted(mine, key=lambda item: item[0])]

    async def delete_inline(self, kind: OwnerKind, owner: str, name: str) -> bool:
        self._open()
        return self._inline.pop((kind, owner.lower(), name.lower()), None) is not None

    # ------------------------------------------------------------ attachments
    async def attach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool:
        self._open()
        arns = self._attached.setdefault((kind, owner.lower()), set())
        if policy_arn in arns:
            return False
        arns.add(policy_arn)
        return True

    async def detach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool:
        self._open()
        arns = self._attached.get((kind, owner.lower()), set())
        if policy_arn not in arns:
            return False
        arns.discard(policy_arn)
        return True

    async def attached(self, kind: OwnerKind, owner: str) -> list[str]:
        self._open()
        return sorted(self._attached.get((kind, owner.lower()), set()))

    async def attachment_count(self, policy_arn: str) -> int:
        self._open()
        return sum(policy_arn in arns for arns in self._attached.values())

    # --------------------------------------------------------------- sessions
    async def put_session(self, session: Session) -> None:
        self._open()
        self._sessions[session.access_key_id] = session

    async def get_session(self, access_key_id: str) -> Session | None:
        self._open()
        return self._sessions.get(access_key_id)

    async def delete_sessions_expired_before(self, moment: float) -> int:
        self._open()
        old = [k for k, s in self._sessions.items() if s.expires < moment]
        for key in old:
            del self._sessions[key]
        return len(old)

    # ---------------------------------------------------------- SecretSource
    async def secret(self, access_key: str) -> KeyRecord | None:
        self._open()
        session = self._sessions.get(access_key)
        if session is not None:
            return session_key_record(session)
        key = self._keys.get(access_key)
        if key is None or key.status != ACTIVE:
            return None
        user = self._users.get(key.user_name.lower())
        return None if user is None else user_key_record(key, user.arn)
