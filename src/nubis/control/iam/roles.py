"""IAM roles (`RoleService`): trust policies, maximum session duration, and (through
`RoleService.policies`) their inline and attached policies.

Rules, as IAM has them: role names are unique ignoring case; a trust policy is validated
as one (a `Principal` required, no `Resource`); `MaxSessionDuration` is 3600..43200 s;
a role is deleted only without policies (DeleteConflict).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nubis.control.iam.entities import (
    Page,
    PageRequest,
    check_document,
    check_name,
    check_path,
    check_path_prefix,
    check_range,
    check_tags,
    keyset_page,
)
from nubis.control.iam.policies import OwnedPolicies
from nubis.control.iam.policy import PolicyKind
from nubis.model import iam_errors as e
from nubis.model.clock import Clock
from nubis.model.iam import OwnerKind, Role, Tags, new_role_id, role_arn
from nubis.store.iam import IamStore

MIN_SESSION = 3600
MAX_SESSION = 43200
MAX_DESCRIPTION = 1000


@dataclass(frozen=True, slots=True)
class CreateRole:
    name: str
    trust_policy: str
    path: str | None = None
    description: str | None = None
    max_session_duration: int | None = None
    tags: Tags = ()


def _description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION:
        raise e.IamValidationError(
            e.MSG_TOO_LONG.format(value=value, member="description", limit=MAX_DESCRIPTION)
        )
    return value


def _max_session(value: int | None) -> int:
    if value is None:
        return MIN_SESSION
    return check_range(value, "maxSessionDuration", MIN_SESSION, MAX_SESSION)


class RoleService:
    def __init__(self, store: IamStore, account: str, clock: Clock) -> None:
        self._store = store
        self._account = account
        self._clock = clock
        self.policies = OwnedPolicies(
            store, OwnerKind.ROLE, self._stored_name, e.MSG_NO_ROLE_POLICY
        )

    async def create(self, request: CreateRole) -> Role:
        name = check_name(request.name, "roleName")
        path = check_path(request.path)
        check_document(request.trust_policy, PolicyKind.TRUST, "assumeRolePolicyDocument")
        role = Role(
            name=name,
            role_id=new_role_id(),
            arn=role_arn(self._account, path, name),
            path=path,
            trust_policy=request.trust_policy,
            created=self._clock.time(),
            max_session_duration=_max_session(request.max_session_duration),
            description=_description(request.description),
            tags=check_tags(request.tags),
        )
        if not await self._store.create_role(role):
            raise e.EntityAlreadyExists(e.MSG_ROLE_EXISTS.format(name=name))
        return role

    async def get(self, name: str) -> Role:
        role = await self._store.get_role(check_name(name, "roleName"))
        if role is None:
            raise e.NoSuchEntity(e.MSG_NO_ROLE.format(name=name))
        return role

    async def _stored_name(self, name: str) -> str:
        return (await self.get(name)).name

    async def list_roles(self, path_prefix: str | None, page: PageRequest) -> Page[Role]:
        prefix = check_path_prefix(path_prefix)
        return await keyset_page(
            lambda after, limit: self._store.list_roles(after, limit, prefix),
            lambda r: r.name.lower(),
            page,
        )

    async def delete(self, name: str) -> None:
        role = await self.get(name)
        await self.policies.conflicts(role.name)
        await self._store.delete_role(role.name)

    async def update_trust(self, name: str, document: str) -> None:
        role = await self.get(name)
        check_document(document, PolicyKind.TRUST, "policyDocument")
        await self._store.replace_role(dataclasses.replace(role, trust_policy=document))

    async def update(
        self, name: str, description: str | None, max_session_duration: int | None
    ) -> None:
        role = await self.get(name)
        changed = role
        if description is not None:
            changed = dataclasses.replace(changed, description=_description(description))
        if max_session_duration is not None:
            changed = dataclasses.replace(
                changed, max_session_duration=_max_session(max_session_duration)
            )
        await self._store.replace_role(changed)

    async def tag(self, name: str, tags: Tags) -> None:
        role = await self.get(name)
        merged = dict(role.tags)
        merged.update(dict(check_tags(tags)))
        await self._store.replace_role(
            dataclasses.replace(role, tags=check_tags(tuple(merged.items())))
        )

    async def untag(self, name: str, keys: list[str]) -> None:
        role = await self.get(name)
        drop = set(keys)
        kept = tuple((k, v) for k, v in role.tags if k not in drop)
        await self._store.replace_role(dataclasses.replace(role, tags=kept))
