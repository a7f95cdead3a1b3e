"""IAM and STS records: users and their access keys, roles, managed policies and their
versions, inline policies, and STS's temporary credentials. Plain immutable values; the
rules are `nubis.control.iam`'s, the storage `nubis.store.iam`'s.

Identifiers look like AWS's: a four-letter prefix saying what the entity is and 17
characters of the base-32 alphabet (`A-Z`, `2-7`), 21 in all: `AIDA…` a user, `AROA…` a
role, `ANPA…` a managed policy; access keys are 20 characters, `AKIA…` for a user's
long-term key and `ASIA…` for temporary credentials; secrets 40 characters of base 64.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field, replace
from enum import Enum

USER_ID_PREFIX = "AIDA"
ROLE_ID_PREFIX = "AROA"
POLICY_ID_PREFIX = "ANPA"
LONG_TERM_KEY_PREFIX = "AKIA"
TEMPORARY_KEY_PREFIX = "ASIA"
ACTIVE = "Active"
INACTIVE = "Inactive"
KEY_STATUSES = (ACTIVE, INACTIVE)

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _random_id(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(length - len(prefix)))


def new_user_id() -> str:
    return _random_id(USER_ID_PREFIX, 21)


def new_role_id() -> str:
    return _random_id(ROLE_ID_PREFIX, 21)


def new_policy_id() -> str:
    return _random_id(POLICY_ID_PREFIX, 21)


def new_access_key_id(temporary: bool = False) -> str:
    return _random_id(TEMPORARY_KEY_PREFIX if temporary else LONG_TERM_KEY_PREFIX, 20)


def new_secret() -> str:
    """40 characters of base 64 (30 random bytes), as AWS's secret access keys."""
    return base64.b64encode(secrets.token_bytes(30)).decode("ascii")


def new_session_token() -> str:
    """An opaque token of the length AWS's session tokens have (a few hundred chars)."""
    return "IQoJb3JpZ2luX2Vj" + base64.b64encode(secrets.token_bytes(300)).decode("ascii")


class OwnerKind(Enum):
    """What an inline policy or an attachment belongs to."""

    USER = "user"
    ROLE = "role"


Tags = tuple[tuple[str, str], ...]  # (key, value) in the order they were given


@dataclass(frozen=True, slots=True)
class User:
    name: str
    user_id: str
    arn: str
    path: str
    created: float  # Unix seconds
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A user's long-term key (`AKIA…`)."""

    access_key_id: str
    user_name: str
    secret: str = field(repr=False)
    status: str = ACTIVE
    created: float = 0.0
    last_used: float | None = None

    def with_status(self, status: str) -> AccessKey:
        return replace(self, status=status)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    role_id: str
    arn: str
    path: str
    trust_policy: str  # the JSON document as given (AssumeRolePolicyDocument)
    created: float
    max_session_duration: int = 3600
    description: str | None = None
    tags: Tags = ()


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version_id: str  # "v1", "v2", ...
    document: str
    created: float


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A customer managed policy with its versions (at most five, oldest first)."""

    name: str
    policy_id: str
    arn: str
    path: str
    created: float
    updated: float
    default_version: str
    versions: tuple[PolicyVersion, ...]
    next_version: int  # the number of the next version created (numbers are not reused)
    description: str | None = None
    tags: Tags = ()

    def version(self, version_id: str) -> PolicyVersion | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    @property
    def default_document(self) -> str:
        found = self.version(self.default_version)
        return found.document if found is not None else ""


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    owner_kind: OwnerKind
    owner: str  # the user's or role's name
    name: str
    document: str


@dataclass(frozen=True, slots=True)
class Session:
    """STS temporary credentials (`ASIA…`) and who they act as: an assumed role's session
    (`role_arn` set, `arn` `arn:aws:sts::acct:assumed-role/R/session`), or a user's or the
    account's own session from GetSessionToken (`arn` the user's or the root's).
    `session_policy` is AssumeRole's `Policy`, kept for enforcement."""

    access_key_id: str
    secret: str = field(repr=False)
    session_token: str = field(repr=False)
    expires: float  # Unix seconds
    arn: str
    user_id: str  # GetCallerIdentity's UserId: "AROA…:session", a user's AIDA…, the account
    created: float
    role_arn: str | None = None
    session_name: str | None = None
    session_policy: str | None = None
    source_arn: str | None = None  # the caller who asked for these credentials

    @property
    def assumed_role(self) -> bool:
        return self.role_arn is not None


def user_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def role_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def policy_arn(account: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:policy{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
