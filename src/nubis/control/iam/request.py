"""The request an evaluation decides: who, which action, which resource, and the context.

Context keys are case-insensitive (stored lower-cased); every value is kept as a tuple of
strings, the form condition operators read: a single-valued key is a 1-tuple, a
multivalued key (a list, tuple or set given in) a tuple of any length. Values are
normalised once, here: `True` → `"true"`, numbers → their decimal text, `datetime` → ISO
8601 in UTC, `bytes` → base64 (what `BinaryEquals` compares).

The keys a self-hosted platform knows of the caller are derived from the principal and
replace any given value (a request cannot claim another name): `aws:PrincipalArn`,
`aws:PrincipalAccount`, `aws:username` (IAM users), and from `now` (an injected clock
reading) `aws:CurrentTime` and `aws:EpochTime`. `aws:SourceIp`, `aws:SecureTransport`,
`aws:SourceArn`, `aws:SourceAccount` and service keys come from the caller of
`Request.build`.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

ContextValues = tuple[str, ...]
Context = Mapping[str, ContextValues]

TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
"""Keys whose value changes with every request: decisions reading them are not cached."""


class PrincipalKind(Enum):
    ROOT = "root"
    USER = "user"
    ROLE = "role"
    ROLE_SESSION = "assumed-role"
    FEDERATED_USER = "federated-user"
    SERVICE = "service"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes the request. `arn` is what AccessDenied messages name after `User:`;
    `role_arn` is the role of an assumed-role session (its `aws:PrincipalArn`)."""

    arn: str
    kind: PrincipalKind
    account: str | None = None
    role_arn: str | None = None

    @classmethod
    def from_arn(cls, arn: str, *, role_arn: str | None = None) -> Principal:
        """An IAM or STS principal from its ARN (a role session's role ARN is derived
        without a path unless `role_arn` gives it)."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
            raise ValueError(f"not an IAM or STS principal ARN: {arn!r}")
        account, resource = parts[4], parts[5]
        kind_text = resource.split("/", 1)[0]
        if resource == "root":
            return cls(arn, PrincipalKind.ROOT, account)
        if kind_text == "assumed-role":
            segments = resource.split("/")
            if len(segments) < 3:
                raise ValueError(f"not an assumed-role session ARN: {arn!r}")
            role = role_arn or f"arn:{parts[1]}:iam::{account}:role/{segments[1]}"
            return cls(arn, PrincipalKind.ROLE_SESSION, account, role)
        kinds = {"user": PrincipalKind.USER, "role": PrincipalKind.ROLE}
        kinds["federated-user"] = PrincipalKind.FEDERATED_USER
        if kind_text not in kinds:
            raise ValueError(f"not an IAM or STS principal ARN: {arn!r}")
        return cls(arn, kinds[kind_text], account)

    @classmethod
    def service(cls, name: str) -> Principal:
        """An AWS service principal such as `sns.amazonaws.com`."""
        return cls(name.lower(), PrincipalKind.SERVICE)

    @classmethod
    def anonymous(cls) -> Principal:
        return cls("anonymous", PrincipalKind.ANONYMOUS)

    @property
    def principal_arn(self) -> str:
        """`aws:PrincipalArn`: the role's ARN for a role session, else the ARN."""
        return self.role_arn or self.arn

    @property
    def account_root(self) -> str | None:
        return _account_root(self.arn, self.account)

    @property
    def username(self) -> str | None:
        if self.kind is not PrincipalKind.USER:
            return None
        return self.arn.rsplit("/", 1)[-1]


@lru_cache(maxsize=4096)
def _account_root(arn: str, account: str | None) -> str | None:
    if account is None:
        return None
    return f"arn:{arn.split(':', 2)[1]}:iam::{account}:root"


def _iso(value: dt.datetime) -> str:
    w = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    # an f-string: a third of strftime's cost, on the path of every request
    return f"{w.year:04d}-{w.month:02d}-{w.day:02d}T{w.hour:02d}:{w.minute:02d}:{w.second:02d}Z"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"unsupported context value {value!r}")


def normalize_context(values: Mapping[str, Any]) -> tuple[dict[str, ContextValues], set[str]]:
    """Lower-cased keys with tuple-of-string values (see the module docstring), and the
    keys given as collections (multivalued, whatever their length)."""
    out: dict[str, ContextValues] = {}
    multivalued: set[str] = set()
    for key, value in values.items():
        if isinstance(value, list | tuple | set | frozenset):
            items: Iterable[Any] = sorted(value) if isinstance(value, set | frozenset) else value
            out[key.lower()] = tuple(_text(v) for v in items)
            multivalued.add(key.lower())
        else:
            out[key.lower()] = (_text(value),)
    return out, multivalued


def _derived(principal: Principal, now: dt.datetime | None) -> dict[str, ContextValues]:
    out: dict[str, ContextValues] = {}
    if principal.kind not in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS):
        out["aws:principalarn"] = (principal.principal_arn,)
    if principal.account is not None:
        out["aws:principalaccount"] = (principal.account,)
    if principal.username is not None:
        out["aws:username"] = (principal.username,)
    if principal.kind is PrincipalKind.SERVICE:
        out["aws:principalservicename"] = (principal.arn,)
    if now is not None:
        out["aws:currenttime"] = (_iso(now),)
        out["aws:epochtime"] = (str(int(now.timestamp())),)
    return out


@dataclass(frozen=True, slots=True)
class Request:
    """One authorization question. Build it with `Request.build`."""

    principal: Principal
    action: str
    resource: str
    context: Context
    resource_account: str | None = None
    multivalued: frozenset[str] = frozenset()  # keys that are sets (no variable value)
    _key: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def build(
        cls,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        *,
        resource_account: str | None = None,
        now: dt.datetime | None = None,
    ) -> Request:
        """`resource_account` is the account that owns the resource (None: the caller's
        own, so the request is same-account)."""
        merged, multivalued = normalize_context(context or {})
        derived = _derived(principal, now)
        merged.update(derived)  # what the platform knows wins over what it is told
        multivalued -= derived.keys()
        static = tuple(sorted((k, v) for k, v in merged.items() if k not in TIME_KEYS))
        who = (principal.arn, principal.role_arn, action.lower(), resource, resource_account)
        key = (*who, static, tuple(sorted(multivalued)))
        multi = frozenset(multivalued)
        return cls(principal, action, resource, merged, resource_account, multi, key)

    @property
    def cache_key(self) -> tuple[Any, ...]:
        """Everything but the time keys: equal keys get equal decisions from policies that
        do not read the time."""
        return self._key

    @property
    def same_account(self) -> bool:
        return self.resource_account is None or self.resource_account == self.principal.account
