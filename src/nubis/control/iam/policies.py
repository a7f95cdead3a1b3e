"""IAM's policies: customer managed policies with their versions (`PolicyService`), and
the inline policies and attachments of one kind of owner (`OwnedPolicies`, used by the
user and role services alike).

Rules, as IAM has them: a policy name is unique in the account (at any path); a policy
has at most five versions, numbered `v1`, `v2`, ... (a number is never reused); the
default version cannot be deleted, and a policy is deleted only once its other versions
are and it is attached to nothing. Documents are validated by the evaluator
(`parse_policy`) before anything is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nubis.control.iam.aws_policies import AWS_POLICIES, find_policy
from nubis.control.iam.entities import (
    Page,
    PageRequest,
    check_document,
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    keyset_page,
    list_page,
)
from nubis.control.iam.policy import Policy, PolicyKind, parse_policy
from nubis.model import iam_errors as e
from nubis.model.clock import Clock
from nubis.model.iam import (
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    Tags,
    new_policy_id,
    policy_arn,
)
from nubis.store.iam import IamStore

MAX_VERSIONS = 5


@dataclass(frozen=True, slots=True)
class CreatePolicy:
    name: str
    document: str
    path: str | None = None
    description: str | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class ListPolicies:
    scope: str = "All"  # All | AWS | Local
    only_attached: bool = False
    path_prefix: str | None = None
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    name: str
    arn: str


class PolicyService:
    def __init__(self, store: IamStore, account: str, clock: Clock) -> None:
        self._store = store
        self._account = account
        self._clock = clock

    async def create(self, request: CreatePolicy) -> ManagedPolicy:
        name = check_name(request.name, "policyName", 128)
        path = check_path(request.path)
        check_document(request.document, PolicyKind.IDENTITY)
        now = self._clock.time()
        policy = ManagedPolicy(
            name=name,
            policy_id=new_policy_id(),
            arn=policy_arn(self._account, path, name),
            path=path,
            created=now,
            updated=now,
            default_version="v1",
            versions=(PolicyVersion("v1", request.document, now),),
            next_version=2,
            description=request.description,
            tags=check_tags(request.tags),
        )
        if not await self._store.create_policy(policy):
            raise e.EntityAlreadyExists(e.MSG_POLICY_EXISTS.format(name=name))
        return policy

    async def get(self, arn: str) -> ManagedPolicy:
        """The account's policy or an AWS managed one (`aws_policies`)."""
        policy = await find_policy(self._store, arn)
        if policy is None:
            raise e.NoSuchEntity(e.MSG_NO_POLICY.format(arn=arn))
        return policy

    async def _own(self, arn: str) -> ManagedPolicy:
        """The account's own policy: AWS managed ones cannot be changed or deleted."""
        policy = await self._store.get_policy(arn)
        if policy is None:
            raise e.NoSuchEntity(e.MSG_NO_POLICY.format(arn=arn))
        return policy

    async def attachment_count(self, arn: str) -> int:
        return await self._store.attachment_count(arn)

    async def list_policies(self, request: ListPolicies) -> Page[ManagedPolicy]:
        prefix = check_path_prefix(request.path_prefix)

        async def fetch(after: str | None, limit: int) -> list[ManagedPolicy]:
            found: list[ManagedPolicy] = []
            if request.scope != "AWS":
                found += await self._store.list_policies(
                    after, limit, prefix, request.only_attached
                )
            if request.scope != "Local":
                found += await self._aws_policies(after, prefix, request.only_attached)
            return sorted(found, key=lambda p: p.arn)[:limit]

        return await keyset_page(fetch, lambda p: p.arn, request.page)

    async def _aws_policies(
        self, after: str | None, prefix: str, only_attached: bool
    ) -> list[ManagedPolicy]:
        found = []
        for arn, policy in AWS_POLICIES.items():
            if (after is not None and arn <= after) or not policy.path.startswith(prefix):
                continue
            if not only_attached or await self.attachment_count(arn):
                found.append(policy)
        return found

    async def delete(self, arn: str) -> None:
        policy = await self._own(arn)
        if await self._store.attachment_count(arn):
            raise e.DeleteConflict(e.MSG_POLICY_ATTACHED)
        if len(policy.versions) > 1:
            raise e.DeleteConflict(e.MSG_POLICY_HAS_VERSIONS)
        await self._store.delete_policy(arn)

    # -------------------------------------------------------------- versions
    async def create_version(self, arn: str, document: str, set_default: bool) -> PolicyVersion:
        policy = await self._own(arn)
        check_document(document, PolicyKind.IDENTITY)
        if len(policy.versions) >= MAX_VERSIONS:
            raise e.LimitExceeded(e.MSG_VERSION_QUOTA)
        now = self._clock.time()
        version = PolicyVersion(f"v{policy.next_version}", document, now)
        await self._replace(
            policy,
            versions=(*policy.versions, version),
            next_version=policy.next_version + 1,
            default_version=version.version_id if set_default else policy.default_version,
            updated=now if set_default else policy.updated,
        )
        return version

    async def version(self, arn: str, version_id: str) -> PolicyVersion:
        policy = await self.get(arn)
        found = policy.version(version_id)
        if found is None:
            raise e.NoSuchEntity(e.MSG_NO_POLICY_VERSION.format(arn=arn, version=version_id))
        return found

    async def delete_version(self, arn: str, version_id: str) -> None:
        policy = await self._own(arn)
        await self.version(arn, version_id)
        if version_id == policy.default_version:
            raise e.DeleteConflict(e.MSG_DELETE_DEFAULT_VERSION)
        kept = tuple(v for v in policy.versions if v.version_id != version_id)
        await self._replace(policy, versions=kept)

    async def set_default(self, arn: str, version_id: str) -> None:
        policy = await self._own(arn)
        await self.version(arn, version_id)
        await self._replace(policy, default_version=version_id, updated=self._clock.time())

    async def _replace(self, policy: ManagedPolicy, **changes: object) -> None:
        if not await self._store.replace_policy(dataclasses.replace(policy, **changes)):  # type: ignore[arg-type]
            raise e.NoSuchEntity(e.MSG_NO_POLICY.format(arn=policy.arn))


class OwnedPolicies:
    """The inline policies and attached managed policies of users (or of roles).
    `ensure_owner(name)` raises the owner's NoSuchEntity and returns its stored name."""

    def __init__(
        self,
        store: IamStore,
        kind: OwnerKind,
        ensure_owner: Callable[[str], Awaitable[str]],
        missing_message: str,
    ) -> None:
        self._store = store
        self._kind = kind
        self._ensure = ensure_owner
        self._missing = missing_message

    async def put(self, owner: str, name: str, document: str) -> None:
        check_name(name, "policyName", 128)
        stored_owner = await self._ensure(owner)
        check_document(document, PolicyKind.IDENTITY)
        await self._store.put_inline(InlinePolicy(self._kind, stored_owner, name, document))

    async def get(self, owner: str, name: str) -> InlinePolicy:
        await self._ensure(owner)
        found = await self._store.get_inline(self._kind, owner, name)
        if found is None:
            raise e.NoSuchEntity(self._missing.format(name=name))
        return found

    async def names(self, owner: str, page: PageRequest) -> Page[str]:
        await self._ensure(owner)
        names = [p.name for p in await self._store.list_inline(self._kind, owner)]
        return list_page(names, str.lower, page)

    async def delete(self, owner: str, name: str) -> None:
        await self._ensure(owner)
        if not await self._store.delete_inline(self._kind, owner, name):
            raise e.NoSuchEntity(self._missing.format(name=name))

    async def attach(self, owner: str, arn: str) -> None:
        await self._ensure(owner)
        if await find_policy(self._store, arn) is None:
            raise e.NoSuchEntity(e.MSG_NO_POLICY.format(arn=arn))
        await self._store.attach(self._kind, owner, arn)  # attaching twice changes nothing

    async def detach(self, owner: str, arn: str) -> None:
        await self._ensure(owner)
        if not await self._store.detach(self._kind, owner, arn):
            raise e.NoSuchEntity(e.MSG_NOT_ATTACHED.format(arn=arn))

    async def attached(
        self, owner: str, path_prefix: str | None, page: PageRequest
    ) -> Page[AttachedPolicy]:
        await self._ensure(owner)
        prefix = check_path_prefix(path_prefix)
        found: list[AttachedPolicy] = []
        for arn in await self._store.attached(self._kind, owner):
            policy = await find_policy(self._store, arn)
            if policy is not None and policy.path.startswith(prefix):
                found.append(AttachedPolicy(policy.name, arn))
        return list_page(found, lambda a: a.arn, page)

    async def conflicts(self, owner: str) -> None:
        """DeleteConflict while the owner has inline or attached policies."""
        if await self._store.list_inline(self._kind, owner):
            raise e.DeleteConflict(e.MSG_DELETE_POLICIES_FIRST)
        if await self._store.attached(self._kind, owner):
            raise e.DeleteConflict(e.MSG_DETACH_FIRST)

    async def identity_policies(self, owner: str) -> list[Policy]:
        """The owner's inline policies and its attached policies' default versions,
        compiled for the evaluator."""
        found = [
            parse_policy(p.document, PolicyKind.IDENTITY)
            for p in await self._store.list_inline(self._kind, owner)
        ]
        for arn in await self._store.attached(self._kind, owner):
            policy = await find_policy(self._store, arn)
            if policy is not None:
                found.append(parse_policy(policy.default_document, PolicyKind.IDENTITY, arn=arn))
        return found
