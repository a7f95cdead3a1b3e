"""The IAM and STS rules of one account, built together (`iam_services`): users, roles
and managed policies over one `IamStore`, and STS over them (AssumeRole reads roles'
trust policies and callers' identity-based policies)."""

from __future__ import annotations

from dataclasses import dataclass

from nubis.control.iam.policies import PolicyService
from nubis.control.iam.roles import RoleService
from nubis.control.iam.sts import StsService
from nubis.control.iam.users import UserService
from nubis.model.clock import Clock
from nubis.store.iam import IamStore


@dataclass(frozen=True)
class IamServices:
    users: UserService
    roles: RoleService
    policies: PolicyService
    sts: StsService


def iam_services(store: IamStore, account: str, clock: Clock) -> IamServices:
    users = UserService(store, account, clock)
    roles = RoleService(store, account, clock)
    policies = PolicyService(store, account, clock)
    return IamServices(users, roles, policies, StsService(store, account, clock, users, roles))
