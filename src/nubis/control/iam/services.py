"""The IAM and STS rules of one account, built together (`iam_services`): users, roles
and managed policies over one `IamStore`, and STS over them (AssumeRole reads roles'
trust policies and callers' identity-based policies).

`version` counts IAM writes: whoever caches what it derived from IAM (the gateway's
identities and decisions) compares it and drops what is older. The API layer bumps it
after every IAM write operation (`nubis.api.auth.count_writes`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nubis.control.iam.entities import Caller
from nubis.control.iam.policies import PolicyService
from nubis.control.iam.policy import Policy, PolicyKind, parse_policy
from nubis.control.iam.roles import RoleService
from nubis.control.iam.sts import StsService
from nubis.control.iam.users import UserService
from nubis.model.clock import Clock
from nubis.store.iam import IamStore


class Version:
    """A counter of IAM writes (see the module docstring). Not locked: bumped and read
    on the event loop."""

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


@dataclass(frozen=True)
class IamServices:
    users: UserService
    roles: RoleService
    policies: PolicyService
    sts: StsService
    version: Version = field(default_factory=Version)

    async def policies_of(self, caller: Caller) -> tuple[list[Policy], Policy | None]:
        """The caller's identity-based policies (an IAM user's inline and attached ones;
        for an assumed-role session its role's) and the session policy that limits a
        session (None: none)."""
        session = caller.session
        if session is not None and session.role_arn is not None:
            role = session.role_arn.rsplit("/", 1)[-1]
            found = await self.roles.policies.identity_policies(role)
            limit = session.session_policy
            return found, parse_policy(limit, PolicyKind.IDENTITY) if limit else None
        if caller.user is not None:
            return await self.users.policies.identity_policies(caller.user.name), None
        return [], None


def iam_services(store: IamStore, account: str, clock: Clock) -> IamServices:
    users = UserService(store, account, clock)
    roles = RoleService(store, account, clock)
    policies = PolicyService(store, account, clock)
    return IamServices(users, roles, policies, StsService(store, account, clock, users, roles))
