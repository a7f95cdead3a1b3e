"""`--auth iam`: the gateway's authenticate and authorize steps (docs/auth.md).

    SigV4Authenticator   every request's signature verified (`nubis.http.Verifier`, the
                         IAM store as its `SecretSource`); refusals in the service's protocol
    IamAuthorizer        the caller's identity policies (and a session's session policy)
                         evaluated for the operation's action and resource; AccessDenied
                         with AWS's message in the service's protocol
    count_writes         the IAM service with its write operations bumping `Version`
    bootstrap_admin      the first start's `admin` user and its credentials file

`--auth open` installs neither step: the gateway records the access key a request names
and checks nothing (`nubis.api.gateway`).

Nubis's own endpoints: `/_nubis/health` and `/metrics` are never authenticated (probes
and Prometheus scrape them unsigned); the code download and the logs endpoint need a
signed request from a known key in iam mode, and nothing more (their actions,
`nubis:GetCode` and `nubis:GetLogs`, are not evaluated: no policy grammar names them).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from nubis.api.gateway import AuthError, Denied
from nubis.api.service import Operation, OperationRequest, OperationResult, Service
from nubis.control.functions import Principal
from nubis.control.iam import DecisionCache, Policy, Request, access_denied_message
from nubis.control.iam import Principal as IamPrincipal
from nubis.control.iam.services import IamServices, Version
from nubis.control.iam.users import CreateUser
from nubis.http import SigV4Error, Verifier, family_for, wire_error
from nubis.http11 import Request as HttpRequest
from nubis.model.clock import Clock
from nubis.model.iam_errors import NoSuchEntity

log = logging.getLogger(__name__)

ADMIN_USER = "admin"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
CREDENTIALS_FILE = "credentials"

# Operations anyone may call: AWS answers them without a policy (GetCallerIdentity), or
# their service decides them itself (AssumeRole reads the trust policy and the caller's
# identity policies; GetSessionToken needs no permission); and Nubis's probes.
UNCHECKED_ACTIONS = frozenset(
    {"sts:GetCallerIdentity", "sts:AssumeRole", "sts:GetSessionToken", "nubis:GetHealth"}
)
UNSIGNED_ACTIONS = frozenset({"nubis:GetHealth", "nubis:GetMetrics"})
NUBIS_ACTION_PREFIX = "nubis:"

MSG_NO_SESSION_ALLOW = (
    "User: {principal} is not authorized to perform: {action} on resource: {resource} "
    "because no session policy allows the {action} action"
)
MSG_ANONYMOUS = "User: anonymous is not authorized to perform: {action} on resource: {resource}"
_IDENTITIES_MAX = 10_000


@dataclass(frozen=True)
class SignedPrincipal(Principal):
    """A caller whose signature held: `arn` is the IAM user's or the session's ARN."""

    arn: str = ""


@functools.cache
def error_class(code: str, status: int) -> type[AuthError]:
    """A branch of the error tree for an AWS code that only authentication answers."""
    return cast(type[AuthError], type(code, (AuthError,), {"wire_type": code, "status": status}))


class SigV4Authenticator:
    """Verifies each request's signature against its service's scope. Nubis's own
    endpoints are signed with the scope `nubis` (the `nubis` CLI does)."""

    def __init__(self, verifier: Verifier, clock: Clock) -> None:
        self._verifier = verifier
        self._clock = clock

    async def authenticate(self, request: HttpRequest, service: Service, action: str) -> Principal:
        if action in UNSIGNED_ACTIONS:
            return Principal()
        try:
            caller = await self._verifier.verify(
                request.method,
                request.path,
                request.query_string,
                request.headers,
                request.body,
                self._clock.time(),
                service=service.name,
            )
        except SigV4Error as exc:
            code, status, message = wire_error(
                exc, family_for(service.codec.protocol, service.name)
            )
            raise error_class(code, status)(message) from None
        return SignedPrincipal(access_key=caller.access_key, arn=caller.principal)


@dataclass(frozen=True)
class _Identity:
    version: int
    principal: IamPrincipal
    policies: tuple[Policy, ...]
    session_policy: Policy | None


class IamAuthorizer:
    """Evaluates the caller's policies (no resource policy: functions have none yet)
    through a `DecisionCache`. The identities (principal and compiled policies per access
    key) and the decisions are both keyed by the IAM write `Version`, so a grant or a
    revocation applies to the next request."""

    def __init__(self, iam: IamServices) -> None:
        self._iam = iam
        self._version: Version = iam.version
        self._decisions = DecisionCache()
        self._identities: dict[str, _Identity] = {}

    async def authorize(self, principal: Principal, action: str, resource: str) -> None:
        if action in UNCHECKED_ACTIONS or action.startswith(NUBIS_ACTION_PREFIX):
            return
        if principal.access_key is None:  # never so after SigV4Authenticator: refuse
            raise Denied(MSG_ANONYMOUS.format(action=action, resource=resource))
        identity = await self._identity(principal.access_key)
        who = identity.principal
        request = Request.build(who, action, resource)
        version = identity.version
        decision = self._decisions.decide(request, identity.policies, identity_version=version)
        if not decision.allowed:
            raise Denied(access_denied_message(decision, who.arn, action, resource))
        if identity.session_policy is not None:
            limit = (identity.session_policy,)
            if not self._decisions.decide(request, limit, identity_version=version).allowed:
                message = MSG_NO_SESSION_ALLOW.format(
                    principal=who.arn, action=action, resource=resource
                )
                raise Denied(message)

    async def _identity(self, access_key: str) -> _Identity:
        version = self._version.value
        found = self._identities.get(access_key)
        if found is not None and found.version == version:
            return found
        caller = await self._iam.sts.caller(access_key)
        policies, session_policy = await self._iam.policies_of(caller)
        identity = _Identity(version, caller.principal, tuple(policies), session_policy)
        if len(self._identities) >= _IDENTITIES_MAX:
            self._identities.clear()
        self._identities[access_key] = identity
        return identity


def count_writes(service: Service, version: Version) -> Service:
    """`service` (IAM's) with each operation that is not a Get or List bumping `version`
    once it has run, whether it succeeded or not (a bump too many costs a cache miss)."""

    def counted(operation: Operation) -> Operation:
        handler = operation.handler

        async def run(request: OperationRequest) -> OperationResult:
            try:
                return await handler(request)
            finally:
                version.bump()

        return Operation(run, operation.action, operation.resource)

    table: Mapping[str, Operation] = {
        name: op if name.startswith(("Get", "List")) else counted(op)
        for name, op in service.operations.items()
    }
    return Service(service.name, service.codec, table, service.errors, service.target_prefixes)


async def bootstrap_admin(iam: IamServices, data_dir: Path) -> Path | None:
    """On the first start in iam mode (no user `admin` yet): the user, AdministratorAccess
    attached, an access key, and `<data_dir>/credentials` (mode 0600, the aws CLI's
    format) with it. Returns the file's path when it was written now, else None."""
    if await _has_admin(iam):
        return None
    await iam.users.create(CreateUser(ADMIN_USER))
    await iam.users.policies.attach(ADMIN_USER, ADMIN_POLICY)
    key = await iam.users.create_key(ADMIN_USER, None)
    iam.version.bump()
    path = data_dir / CREDENTIALS_FILE
    text = (
        "[default]\n"
        f"aws_access_key_id = {key.access_key_id}\n"
        f"aws_secret_access_key = {key.secret}\n"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        os.fchmod(out.fileno(), 0o600)  # also when the file was there with other modes
        out.write(text)
    return path


async def _has_admin(iam: IamServices) -> bool:
    try:
        await iam.users.get(ADMIN_USER)
    except NoSuchEntity:
        return False
    return True
