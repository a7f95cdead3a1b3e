"""IAM users and their access keys (`UserService`); their inline and attached policies
are `UserService.policies` (`OwnedPolicies`).

Rules, as IAM has them: user names are unique ignoring case; a user has at most two
access keys (LimitExceeded); a user is deleted only without keys and policies
(DeleteConflict, in IAM's order: keys, inline policies, attached policies). Calls that
leave out `UserName` act on the calling user; a caller that is no IAM user must name one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nubis.control.iam.entities import (
    Caller,
    Page,
    PageRequest,
    caller_of,
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    keyset_page,
    list_page,
)
from nubis.control.iam.policies import OwnedPolicies
from nubis.model import iam_errors as e
from nubis.model.clock import Clock
from nubis.model.iam import (
    KEY_STATUSES,
    AccessKey,
    OwnerKind,
    Tags,
    User,
    new_access_key_id,
    new_secret,
    new_user_id,
    user_arn,
)
from nubis.store.iam import IamStore

MAX_KEYS_PER_USER = 2
MSG_NAME_REQUIRED = "Must specify userName when calling with non-User credentials"
MSG_STATUS = (
    "1 validation error detected: Value '{value}' at 'status' failed to satisfy constraint: "
    "Member must satisfy enum value set: [Active, Inactive]"
)


@dataclass(frozen=True, slots=True)
class CreateUser:
    name: str
    path: str | None = None
    tags: Tags = ()


class UserService:
    def __init__(self, store: IamStore, account: str, clock: Clock) -> None:
        self._store = store
        self._account = account
        self._clock = clock
        self.policies = OwnedPolicies(
            store, OwnerKind.USER, self._stored_name, e.MSG_NO_USER_POLICY
        )

    async def caller(self, access_key: str | None) -> Caller:
        return await caller_of(self._store, self._account, access_key, self._clock.time())

    # ----------------------------------------------------------------- users
    async def create(self, request: CreateUser) -> User:
        name = check_name(request.name, "userName")
        path = check_path(request.path)
        user = User(
            name,
            new_user_id(),
            user_arn(self._account, path, name),
            path,
            self._clock.time(),
            check_tags(request.tags),
        )
        if not await self._store.create_user(user):
            raise e.EntityAlreadyExists(e.MSG_USER_EXISTS.format(name=name))
        return user

    async def get(self, name: str) -> User:
        user = await self._store.get_user(check_name(name, "userName"))
        if user is None:
            raise e.NoSuchEntity(e.MSG_NO_USER.format(name=name))
        return user

    async def _stored_name(self, name: str) -> str:
        return (await self.get(name)).name

    async def named_or_caller(self, name: str | None, access_key: str | None) -> User:
        """The user named, or (no name) the caller when the caller is an IAM user."""
        if name is not None:
            return await self.get(name)
        caller = await self.caller(access_key)
        if caller.user is None or caller.session is not None:
            raise e.IamValidationError(MSG_NAME_REQUIRED)
        return caller.user

    async def list_users(self, path_prefix: str | None, page: PageRequest) -> Page[User]:
        prefix = check_path_prefix(path_prefix)
        return await keyset_page(
            lambda after, limit: self._store.list_users(after, limit, prefix),
            lambda u: u.name.lower(),
            page,
        )

    async def update(self, name: str, new_name: str | None, new_path: str | None) -> User:
        """UpdateUser: a new path, a new name (keys and policies go with the user), both."""
        user = await self.get(name)
        path = user.path if new_path is None else check_path(new_path)
        renamed = user.name if new_name is None else check_name(new_name, "newUserName")
        updated = dataclasses.replace(
            user, name=renamed, path=path, arn=user_arn(self._account, path, renamed)
        )
        if not await self._store.rename_user(user.name, updated):
            raise e.EntityAlreadyExists(e.MSG_USER_EXISTS.format(name=renamed))
        return updated

    async def delete(self, name: str) -> None:
        user = await self.get(name)
        if await self._store.list_access_keys(user.name):
            raise e.DeleteConflict(e.MSG_DELETE_KEYS_FIRST)
        await self.policies.conflicts(user.name)
        await self._store.delete_user(user.name)

    async def tag(self, name: str, tags: Tags) -> None:
        user = await self.get(name)
        merged = dict(user.tags)
        merged.update(dict(check_tags(tags)))
        await self._store.replace_user(
            dataclasses.replace(user, tags=check_tags(tuple(merged.items())))
        )

    async def untag(self, name: str, keys: list[str]) -> None:
        user = await self.get(name)
        kept = tuple((k, v) for k, v in user.tags if k not in set(keys))
        await self._store.replace_user(dataclasses.replace(user, tags=kept))

    # ------------------------------------------------------------ access keys
    async def create_key(self, name: str | None, access_key: str | None) -> AccessKey:
        user = await self.named_or_caller(name, access_key)
        if len(await self._store.list_access_keys(user.name)) >= MAX_KEYS_PER_USER:
            raise e.LimitExceeded(e.MSG_KEY_QUOTA)
        key = AccessKey(new_access_key_id(), user.name, new_secret(), created=self._clock.time())
        if not await self._store.create_access_key(key):  # a 20-character id collided
            raise e.LimitExceeded(e.MSG_KEY_QUOTA)
        return key

    async def keys(
        self, name: str | None, access_key: str | None, page: PageRequest
    ) -> tuple[User, Page[AccessKey]]:
        user = await self.named_or_caller(name, access_key)
        keys = await self._store.list_access_keys(user.name)
        return user, list_page(keys, lambda k: f"{k.created:020.6f}{k.access_key_id}", page)

    async def _own_key(self, name: str | None, access_key: str | None, key_id: str) -> AccessKey:
        user = await self.named_or_caller(name, access_key)
        key = await self._store.get_access_key(key_id)
        if key is None or key.user_name.lower() != user.name.lower():
            raise e.NoSuchEntity(e.MSG_NO_KEY.format(key=key_id))
        return key

    async def update_key(
        self, name: str | None, access_key: str | None, key_id: str, status: str
    ) -> None:
        if status not in KEY_STATUSES:
            raise e.IamValidationError(MSG_STATUS.format(value=status))
        key = await self._own_key(name, access_key, key_id)
        await self._store.replace_access_key(key.with_status(status))

    async def delete_key(self, name: str | None, access_key: str | None, key_id: str) -> None:
        await self._own_key(name, access_key, key_id)
        await self._store.delete_access_key(key_id)
