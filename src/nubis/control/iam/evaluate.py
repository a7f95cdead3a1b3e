"""The decision: allow, explicit deny or implicit deny, and which policy type decided.

AWS's "Policy evaluation logic" pages, for identity-based and resource-based policies:

1. An explicit `Deny` in any applicable policy denies (identity-based policies are looked
   at first, so their deny is the one named when both deny).
2. Same account (the resource's account is the caller's): an `Allow` in an identity-based
   policy *or* in the resource-based policy allows ("If either ... allows the request and
   the other doesn't, the request is still allowed").
3. Cross-account: both must allow - the caller's identity-based policy and the resource
   policy of the trusting account ("Cross-account policy evaluation logic").
4. Otherwise: implicit deny.

A role's trust policy (`PolicyKind.TRUST`, the resource policy of `sts:AssumeRole`) is the
exception: it must let the caller in even within the account - naming the caller (or its
role) suffices there, naming its account needs the identity-based allow too; an
identity-based allow alone is not enough ("Policy evaluation logic": role trust policies
and KMS key policies must explicitly allow their principals).

The account root user has full access in its own account, so its identity side always
allows (it still needs the resource policy cross-account, and explicit denies still apply).
A resource policy naming an account (`"AWS": "123456789012"`) delegates to that account: it
counts for the account's root directly and, for the account's users and roles, only together
with an identity-based allow. Service principals and anonymous callers have no identity
policies: only the resource policy can allow them.

`NotPrincipal` (Deny only): the caller escapes the statement only if its account's root ARN
is listed and so is the caller (or, for a role session, its role) - AWS checks the account
first, then the role, then the session ("NotPrincipal" page). Principals are matched
exactly (no wildcards but `*`); a session also matches its role's ARN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from nubis.control.iam import conditions
from nubis.control.iam.patterns import Lookup, glob_match, substitute
from nubis.control.iam.policy import Policy, PolicyKind, Principals, Statement
from nubis.control.iam.request import PrincipalKind, Request


class Reason(Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY_IDENTITY = "explicit deny in an identity-based policy"
    EXPLICIT_DENY_RESOURCE = "explicit deny in a resource-based policy"
    NO_IDENTITY_ALLOW = "no identity-based policy allows"
    NO_RESOURCE_ALLOW = "no resource-based policy allows"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: Reason
    policy_arn: str | None = None  # the denying policy, when it has a known ARN

    @property
    def explicit_deny(self) -> bool:
        return self.reason in (Reason.EXPLICIT_DENY_IDENTITY, Reason.EXPLICIT_DENY_RESOURCE)


class _Match(Enum):
    NONE = 0
    DELEGATED = 1  # via the caller's account ARN in a resource policy
    DIRECT = 2


def _lookup(request: Request) -> Lookup:
    def lookup(key: str) -> str | None:
        values = request.context.get(key)
        if not values or key in request.multivalued:  # a set has no variable value
            return None
        return values[0]

    return lookup


def _action_applies(st: Statement, action: str) -> bool:
    return (st.action_re.fullmatch(action) is not None) != st.not_action


def _resource_applies(st: Statement, request: Request, lookup: Lookup | None) -> bool:
    if st.resources is None:
        return True
    if st.resource_re is not None:
        return (st.resource_re.fullmatch(request.resource) is not None) != st.not_resource
    matched = False
    for pattern in st.resources:
        resolved = substitute(pattern, lookup) if lookup is not None else pattern
        if resolved is not None and glob_match(resolved, request.resource):
            matched = True
            break
    return matched != st.not_resource


def _principal_match(names: Principals, request: Request) -> _Match:
    caller = request.principal
    if names.anyone:
        return _Match.DIRECT
    if caller.kind is PrincipalKind.SERVICE:
        return _Match.DIRECT if caller.arn in names.services else _Match.NONE
    if caller.arn in names.aws or caller.principal_arn in names.aws:
        return _Match.DIRECT
    if caller.account_root is not None and caller.account_root in names.aws:
        return _Match.DELEGATED
    return _Match.NONE


def _not_principal_excludes(names: Principals, request: Request) -> bool:
    """Whether the caller is one of the NotPrincipal exceptions."""
    caller = request.principal
    if names.anyone:
        return True
    if caller.kind is PrincipalKind.SERVICE:
        return caller.arn in names.services
    root = caller.account_root
    if root is None or root not in names.aws:
        return False
    return caller.kind is PrincipalKind.ROOT or bool({caller.arn, caller.principal_arn} & names.aws)


def _statement_match(st: Statement, request: Request, lookup: Lookup | None) -> _Match:
    """How `st` applies to `request` (NONE: it does not)."""
    if not _action_applies(st, request.action):
        return _Match.NONE
    if not _resource_applies(st, request, lookup):
        return _Match.NONE
    match = _Match.DIRECT
    if st.principals is not None:
        if st.not_principal:
            match = _Match.NONE if _not_principal_excludes(st.principals, request) else match
        else:
            match = _principal_match(st.principals, request)
        if match is _Match.NONE:
            return match
    context = request.context
    if all(conditions.evaluate(c, context, lookup) for c in st.conditions):
        return match
    return _Match.NONE


@dataclass(slots=True)
class _Tally:
    allow: _Match = _Match.NONE
    deny: bool = False
    deny_arn: str | None = None


def _scan(policies: Sequence[Policy], request: Request) -> _Tally:
    tally = _Tally()
    lookup = _lookup(request)
    for policy in policies:
        policy_lookup = lookup if policy.variables else None
        for st in policy.statements:
            match = _statement_match(st, request, policy_lookup)
            if match is _Match.NONE:
                continue
            if not st.allow:
                return _Tally(tally.allow, True, policy.arn)
            if match.value > tally.allow.value:
                tally.allow = match
    return tally


_ALLOWED = Decision(True, Reason.ALLOWED)
_NO_IDENTITY = Decision(False, Reason.NO_IDENTITY_ALLOW)
_NO_RESOURCE = Decision(False, Reason.NO_RESOURCE_ALLOW)


def _combine(identity_allows: bool, resource: _Match, same_account: bool, trust: bool) -> Decision:
    """Steps 2-4 for an IAM principal, after the denies."""
    if trust:  # a role's trust policy must let the caller in, same account or not
        if resource is _Match.NONE:
            return _NO_RESOURCE
        direct = same_account and resource is _Match.DIRECT
        return _ALLOWED if direct or identity_allows else _NO_IDENTITY
    if same_account:
        return _ALLOWED if identity_allows or resource is _Match.DIRECT else _NO_IDENTITY
    if not identity_allows:
        return _NO_IDENTITY
    return _NO_RESOURCE if resource is _Match.NONE else _ALLOWED


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy] = (),
    resource_policy: Policy | None = None,
) -> Decision:
    """Decide `request` against the caller's identity-based policies and the resource's
    policy (see the module docstring for the rules)."""
    identity = _scan(identity_policies, request)
    if identity.deny:
        return Decision(False, Reason.EXPLICIT_DENY_IDENTITY, identity.deny_arn)
    resource = _scan([resource_policy] if resource_policy else [], request)
    if resource.deny:
        return Decision(False, Reason.EXPLICIT_DENY_RESOURCE, resource.deny_arn)
    kind = request.principal.kind
    if kind in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS):
        return _ALLOWED if resource.allow is _Match.DIRECT else _NO_RESOURCE
    identity_allows = identity.allow is not _Match.NONE or kind is PrincipalKind.ROOT
    trust = resource_policy is not None and resource_policy.kind is PolicyKind.TRUST
    return _combine(identity_allows, resource.allow, request.same_account, trust)
