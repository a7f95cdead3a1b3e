"""The IAM store's boundary: users, access keys, roles, managed and inline policies, their
attachments, and STS sessions; and the verifier's `SecretSource` over the keys.

What every `IamStore` promises, beyond `nubis.store.base`'s common contract (coroutines,
absence is a value, a returned write is kept, `close()` idempotent and other methods
raising RuntimeError after it, no business rules):

- Users and roles are keyed by name **ignoring case** (IAM's names are unique that way):
  `get_user("BOB")` finds "bob", `create_user` of "Bob" beside "bob" returns False. The
  record keeps the name as created. Managed policies are keyed by ARN (exact), inline
  policies by (owner kind, owner name ignoring case, policy name ignoring case).
- `create_*` inserts and returns False when the key exists (nothing changed);
  `replace_*` overwrites an existing record and returns False when there is none;
  `delete_*` returns whether something was deleted. `put_inline` inserts or replaces.
- Lists are keyset pages: up to `limit` records with keys (the lower-cased name, or the
  ARN) greater than `after` (None: from the first), ordered by key, filtered by
  `path_prefix` (a plain string prefix of the path) before the limit is applied.
- Deleting a user or role does not delete its keys, inline policies or attachments: the
  caller refuses while there are any (IAM's DeleteConflict). `delete_policy` removes the
  policy only; attachments are the caller's to check first.
- Secrets (`AccessKey.secret`, `Session.secret`, `Session.session_token`) are returned as
  given; a durable implementation may keep them encrypted at rest.
- `secret(access_key)` (the `SecretSource` of `nubis.http.secrets`): the record of an
  **active** user key (`principal` the user's ARN) or of a session (with its token,
  expiry and `principal` the session's ARN, also once expired: the verifier answers
  ExpiredToken); None for an inactive, deleted or unknown key. It reflects every write
  that returned before it was called.
"""

from __future__ import annotations

from typing import Protocol

from nubis.http.secrets import KeyRecord
from nubis.model.iam import (
    AccessKey,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    Role,
    Session,
    User,
)


class IamStore(Protocol):
    # ----------------------------------------------------------------- users
    async def create_user(self, user: User) -> bool: ...

    async def get_user(self, name: str) -> User | None: ...

    async def replace_user(self, user: User) -> bool: ...

    async def list_users(self, after: str | None, limit: int, path_prefix: str) -> list[User]: ...

    async def rename_user(self, old_name: str, user: User) -> bool:
        """Replaces the user `old_name` with `user` under its new name, in one step, and
        moves the user's access keys (their `user_name` too), inline policies (their
        `owner`) and attachments with it. False (nothing changed) when `old_name` does not
        exist or another user has the new name."""
        ...

    async def delete_user(self, name: str) -> bool: ...

    # ------------------------------------------------------------ access keys
    async def create_access_key(self, key: AccessKey) -> bool: ...

    async def get_access_key(self, access_key_id: str) -> AccessKey | None: ...

    async def list_access_keys(self, user_name: str) -> list[AccessKey]:
        """The user's keys (user name ignoring case), oldest first."""
        ...

    async def replace_access_key(self, key: AccessKey) -> bool: ...

    async def delete_access_key(self, access_key_id: str) -> bool: ...

    # ----------------------------------------------------------------- roles
    async def create_role(self, role: Role) -> bool: ...

    async def get_role(self, name: str) -> Role | None: ...

    async def replace_role(self, role: Role) -> bool: ...

    async def list_roles(self, after: str | None, limit: int, path_prefix: str) -> list[Role]: ...

    async def delete_role(self, name: str) -> bool: ...

    # ------------------------------------------------------- managed policies
    async def create_policy(self, policy: ManagedPolicy) -> bool:
        """False also when a policy of the same name (ignoring case) exists, at any path:
        IAM's policy names are unique in an account."""
        ...

    async def get_policy(self, arn: str) -> ManagedPolicy | None: ...

    async def replace_policy(self, policy: ManagedPolicy) -> bool: ...

    async def list_policies(
        self, after: str | None, limit: int, path_prefix: str, only_attached: bool
    ) -> list[ManagedPolicy]:
        """Keyed by ARN; `only_attached`: those attached to at least one user or role."""
        ...

    async def delete_policy(self, arn: str) -> bool: ...

    # -------------------------------------------------------- inline policies
    async def put_inline(self, policy: InlinePolicy) -> None: ...

    async def get_inline(self, kind: OwnerKind, owner: str, name: str) -> InlinePolicy | None: ...

    async def list_inline(self, kind: OwnerKind, owner: str) -> list[InlinePolicy]:
        """The owner's inline policies, ordered by lower-cased name."""
        ...

    async def delete_inline(self, kind: OwnerKind, owner: str, name: str) -> bool: ...

    # ------------------------------------------------------------ attachments
    async def attach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool:
        """False when already attached (nothing changed)."""
        ...

    async def detach(self, kind: OwnerKind, owner: str, policy_arn: str) -> bool: ...

    async def attached(self, kind: OwnerKind, owner: str) -> list[str]:
        """The ARNs of the managed policies attached to the owner, ordered."""
        ...

    async def attachment_count(self, policy_arn: str) -> int: ...

    # --------------------------------------------------------------- sessions
    async def put_session(self, session: Session) -> None: ...

    async def get_session(self, access_key_id: str) -> Session | None:
        """Also an expired one: expiry is the caller's rule."""
        ...

    async def delete_sessions_expired_before(self, moment: float) -> int:
        """Forgets sessions whose expiry is before `moment`; returns how many."""
        ...

    # ---------------------------------------------------------- SecretSource
    async def secret(self, access_key: str) -> KeyRecord | None: ...

    def close(self) -> None: ...


def user_key_record(key: AccessKey, user_arn: str) -> KeyRecord:
    return KeyRecord(key.access_key_id, key.secret, principal=user_arn)


def session_key_record(session: Session) -> KeyRecord:
    return KeyRecord(
        session.access_key_id,
        session.secret,
        session_token=session.session_token,
        expires=session.expires,
        principal=session.arn,
    )
