"""STS: who the caller is, and temporary credentials (`StsService`).

AssumeRole's trust check, as AWS's evaluation logic has it for roles: the role's trust
policy must allow the caller. When it names the caller (its user or role ARN) that is
enough, unless one of the caller's identity-based policies denies `sts:AssumeRole`; when
it names the caller's account, the caller's identity-based policies must also allow
`sts:AssumeRole` on the role, which is the evaluator's cross-account question (both
sides must allow), so that is how it is asked. The account root (today's open mode's
unsigned caller) has every identity permission, so a trust policy that names the
account lets it in. AWS itself refuses root callers ("Roles may not be assumed by root
accounts"); Nubis cannot, since every caller of open mode is the root.

Credentials: `ASIA…` keys with a secret and a session token, stored with their expiry
(the verifier refuses them after it: ExpiredToken) and, for AssumeRole, the session
policy (kept for enforcement; not applied yet). Sessions expired for a day are forgotten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nubis.control.iam.entities import (
    Caller,
    caller_of,
    check_document,
    check_range,
    check_session_name,
)
from nubis.control.iam.evaluate import evaluate
from nubis.control.iam.policy import Policy, PolicyKind, parse_policy
from nubis.control.iam.request import Request
from nubis.control.iam.roles import RoleService
from nubis.control.iam.users import UserService
from nubis.model import iam_errors as e
from nubis.model.clock import Clock
from nubis.model.iam import (
    Role,
    Session,
    assumed_role_arn,
    new_access_key_id,
    new_secret,
    new_session_token,
)
from nubis.store.iam import IamStore

ACTION = "sts:AssumeRole"
DEFAULT_ROLE_SESSION = 3600
MIN_DURATION = 900
CHAINED_MAX = 3600
SESSION_TOKEN_DEFAULT = 43200
SESSION_TOKEN_MAX = 129600
ROOT_SESSION_MAX = 3600
MAX_SESSION_POLICY = 2048
FORGET_AFTER = 86400.0
# Any account but the caller's: asks the evaluator the question where both the trust
# policy and the caller's identity-based policies must allow (see the module docstring).
_ELSEWHERE = "trust-policy"
MSG_DENIED = "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}"


@dataclass(frozen=True, slots=True)
class AssumeRole:
    role_arn: str
    session_name: str
    caller_key: str | None
    duration: int | None = None
    policy: str | None = None


@dataclass(frozen=True, slots=True)
class AssumedRole:
    session: Session
    assumed_role_id: str  # "AROA…:session"


def trust_allows(
    caller: Caller, trust: Policy, identity: list[Policy], role_arn: str, now: float
) -> bool:
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    principal = caller.principal
    if not caller.is_root:
        direct = Request.build(principal, ACTION, role_arn, now=at)
        if evaluate(direct, [], trust).allowed:  # the trust policy names the caller
            return not evaluate(direct, identity, trust).explicit_deny
    both = Request.build(principal, ACTION, role_arn, resource_account=_ELSEWHERE, now=at)
    return evaluate(both, identity, trust).allowed


class StsService:
    def __init__(
        self,
        store: IamStore,
        account: str,
        clock: Clock,
        users: UserService,
        roles: RoleService,
    ) -> None:
        self._store = store
        self._account = account
        self._clock = clock
        self._users = users
        self._roles = roles

    async def caller(self, access_key: str | None) -> Caller:
        return await caller_of(self._store, self._account, access_key, self._clock.time())

    async def _identity_policies(self, caller: Caller) -> list[Policy]:
        session = caller.session
        if session is not None and session.role_arn is not None:
            found = await self._roles.policies.identity_policies(session.role_arn.rsplit("/")[-1])
            if session.session_policy:
                found.append(parse_policy(session.session_policy, PolicyKind.IDENTITY))
            return found
        if caller.user is not None:
            return await self._users.policies.identity_policies(caller.user.name)
        return []

    async def _role(self, caller: Caller, role_arn: str) -> Role:
        denied = e.AccessDenied(MSG_DENIED.format(caller=caller.arn, role=role_arn))
        parts = role_arn.split(":", 5)
        if len(parts) != 6 or parts[4] != self._account or not parts[5].startswith("role/"):
            raise denied
        role = await self._store.get_role(parts[5].rsplit("/", 1)[-1])
        if role is None or role.arn != role_arn:
            raise denied
        return role

    def _duration(self, request: AssumeRole, caller: Caller, role: Role) -> int:
        if request.duration is None:
            return DEFAULT_ROLE_SESSION
        duration = check_range(request.duration, "durationSeconds", MIN_DURATION, 43200)
        chained = caller.session is not None and caller.session.assumed_role
        if chained and duration > CHAINED_MAX:
            raise e.IamValidationError(e.MSG_DURATION_CHAINED)
        if duration > role.max_session_duration:
            raise e.IamValidationError(e.MSG_DURATION_OVER_ROLE)
        return duration

    async def assume_role(self, request: AssumeRole) -> AssumedRole:
        if len(request.role_arn) < 20:
            raise e.IamValidationError(
                e.MSG_TOO_SHORT.format(value=request.role_arn, member="roleArn", limit=20)
            )
        session_name = check_session_name(request.session_name)
        if request.policy is not None:
            if len(request.policy) > MAX_SESSION_POLICY:
                raise e.IamValidationError(
                    e.MSG_TOO_LONG.format(value=request.policy, member="policy", limit=2048)
                )
            check_document(request.policy, PolicyKind.IDENTITY, "policy")
        caller = await self.caller(request.caller_key)
        role = await self._role(caller, request.role_arn)
        duration = self._duration(request, caller, role)
        trust = parse_policy(role.trust_policy, PolicyKind.TRUST)
        identity = await self._identity_policies(caller)
        if not trust_allows(caller, trust, identity, role.arn, self._clock.time()):
            raise e.AccessDenied(MSG_DENIED.format(caller=caller.arn, role=role.arn))
        assumed_id = f"{role.role_id}:{session_name}"
        session = await self._new_session(
            duration,
            arn=assumed_role_arn(self._account, role.name, session_name),
            user_id=assumed_id,
            role_arn=role.arn,
            session_name=session_name,
            session_policy=request.policy,
            source_arn=caller.arn,
        )
        return AssumedRole(session, assumed_id)

    async def get_session_token(self, caller_key: str | None, duration: int | None) -> Session:
        caller = await self.caller(caller_key)
        if caller.session is not None:
            raise e.AccessDenied(e.MSG_SESSION_TOKEN_FROM_SESSION)
        seconds = SESSION_TOKEN_DEFAULT if duration is None else duration
        seconds = check_range(seconds, "durationSeconds", MIN_DURATION, SESSION_TOKEN_MAX)
        if caller.is_root:
            seconds = min(seconds, ROOT_SESSION_MAX)  # AWS caps the root's sessions at 1 h
        return await self._new_session(
            seconds, arn=caller.arn, user_id=caller.user_id, source_arn=caller.arn
        )

    async def _new_session(
        self,
        duration: int,
        *,
        arn: str,
        user_id: str,
        source_arn: str,
        role_arn: str | None = None,
        session_name: str | None = None,
        session_policy: str | None = None,
    ) -> Session:
        now = self._clock.time()
        session = Session(
            access_key_id=new_access_key_id(temporary=True),
            secret=new_secret(),
            session_token=new_session_token(),
            expires=float(int(now) + duration),
            arn=arn,
            user_id=user_id,
            created=now,
            role_arn=role_arn,
            session_name=session_name,
            session_policy=session_policy,
            source_arn=source_arn,
        )
        await self._store.delete_sessions_expired_before(now - FORGET_AFTER)
        await self._store.put_session(session)
        return session
