"""What the IAM and STS rules share: IAM's validation of names and paths, its paging
(`Marker`/`MaxItems`/`IsTruncated`), the documents' checks, and who the caller is.

Paging as IAM does it: `MaxItems` 1..1000 (default 100); a page that is not the last has
`IsTruncated` and a `Marker` to pass back, an opaque string (here the base 64 of the last
key on the page); a marker IAM did not hand out is a ValidationError.

The caller (`Caller`): the gateway hands over the access key the request was signed with.
A user's active key is that user; STS temporary credentials are their session (an
assumed role's, or GetSessionToken's user or root); an expired session is refused with
ExpiredToken. Any other key, or none, is the account root: signatures are not verified
in today's open mode (`--auth iam` comes later), so an unknown key cannot be anyone else.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from nubis.control.iam.policy import Policy, PolicyKind, parse_policy
from nubis.control.iam.request import Principal
from nubis.model import iam_errors as e
from nubis.model.iam import Session, User, root_arn
from nubis.store.iam import IamStore

T = TypeVar("T")

NAME_PATTERN = r"[\w+=,.@-]+"
SESSION_NAME_PATTERN = r"[\w+=,.@-]*"
_NAME = re.compile(NAME_PATTERN, re.ASCII)
_SESSION_NAME = re.compile(SESSION_NAME_PATTERN, re.ASCII)
_PATH = re.compile(r"/|/[\x21-\x7e]+/")
_PATH_PREFIX = re.compile(r"/[\x21-\x7f]*")
_DOCUMENT = re.compile(r"[\t\n\r\x20-\xff]+")
DEFAULT_MAX_ITEMS = 100
MAX_ITEMS = 1000
MAX_DOCUMENT = 131072
MAX_TAGS = 50


def check_name(value: str, member: str, limit: int = 64) -> str:
    """A user, role or policy name: IAM's pattern and length, with its message."""
    if not value:
        raise e.IamValidationError(e.MSG_TOO_SHORT.format(value=value, member=member, limit=1))
    if len(value) > limit:
        raise e.IamValidationError(e.MSG_TOO_LONG.format(value=value, member=member, limit=limit))
    if not _NAME.fullmatch(value):
        raise e.IamValidationError(
            e.MSG_PATTERN.format(value=value, member=member, pattern=NAME_PATTERN)
        )
    return value


def check_session_name(value: str) -> str:
    member = "roleSessionName"
    if len(value) < 2:
        raise e.IamValidationError(e.MSG_TOO_SHORT.format(value=value, member=member, limit=2))
    if len(value) > 64:
        raise e.IamValidationError(e.MSG_TOO_LONG.format(value=value, member=member, limit=64))
    if not _SESSION_NAME.fullmatch(value):
        raise e.IamValidationError(
            e.MSG_PATTERN.format(value=value, member=member, pattern=SESSION_NAME_PATTERN)
        )
    return value


def check_path(value: str | None) -> str:
    path = "/" if value is None else value
    if len(path) > 512 or not _PATH.fullmatch(path):
        raise e.IamValidationError(e.MSG_PATH)
    return path


def check_path_prefix(value: str | None) -> str:
    prefix = "/" if value is None else value
    if len(prefix) > 512 or not _PATH_PREFIX.fullmatch(prefix):
        raise e.IamValidationError(e.MSG_PATH)
    return prefix


def check_range(value: int, member: str, low: int, high: int) -> int:
    if value < low:
        raise e.IamValidationError(e.MSG_AT_LEAST.format(value=value, member=member, limit=low))
    if value > high:
        raise e.IamValidationError(e.MSG_AT_MOST.format(value=value, member=member, limit=high))
    return value


def check_document(document: str, kind: PolicyKind, member: str = "policyDocument") -> Policy:
    """A policy document as IAM takes it: the model's length and characters, then the
    evaluator's validation (MalformedPolicyDocument with IAM's messages)."""
    if len(document) > MAX_DOCUMENT:
        raise e.IamValidationError(
            e.MSG_TOO_LONG.format(value=document, member=member, limit=MAX_DOCUMENT)
        )
    if not _DOCUMENT.fullmatch(document):
        raise e.IamValidationError(
            e.MSG_PATTERN.format(
                value=document, member=member, pattern="[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
            )
        )
    return parse_policy(document, kind)


def check_tags(tags: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if len(tags) > MAX_TAGS:
        raise e.IamValidationError(
            e.MSG_AT_MOST.format(value=len(tags), member="tags", limit=MAX_TAGS).replace(
                "have value", "have length"
            )
        )
    for key, value in tags:
        if not key or len(key) > 128:
            raise e.IamValidationError(
                e.MSG_TOO_LONG.format(value=key, member="tags.member.key", limit=128)
            )
        if len(value) > 256:
            raise e.IamValidationError(
                e.MSG_TOO_LONG.format(value=value, member="tags.member.value", limit=256)
            )
    return tuple(tags)


# ------------------------------------------------------------------ paging
@dataclass(frozen=True, slots=True)
class PageRequest:
    marker: str | None = None
    max_items: int | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    marker: str | None = None  # set when truncated

    @property
    def truncated(self) -> bool:
        return self.marker is not None


def _limit(request: PageRequest) -> int:
    if request.max_items is None:
        return DEFAULT_MAX_ITEMS
    return check_range(request.max_items, "maxItems", 1, MAX_ITEMS)


def make_marker(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode("ascii")


def read_marker(marker: str | None) -> str | None:
    if marker is None:
        return None
    try:
        return base64.urlsafe_b64decode(marker.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise e.IamValidationError(e.MSG_BAD_MARKER) from exc


async def keyset_page(
    fetch: Callable[[str | None, int], Awaitable[list[T]]],
    key: Callable[[T], str],
    request: PageRequest,
) -> Page[T]:
    """One page of a store's keyset list: one record more than the page is read, to
    know whether there is a next page."""
    limit = _limit(request)
    records = await fetch(read_marker(request.marker), limit + 1)
    if len(records) <= limit:
        return Page(records)
    return Page(records[:limit], make_marker(key(records[limit - 1])))


def list_page(items: Sequence[T], key: Callable[[T], str], request: PageRequest) -> Page[T]:
    """A page of a short list already in memory, ordered by `key`."""
    limit = _limit(request)
    after = read_marker(request.marker)
    rest = [item for item in items if after is None or key(item) > after]
    if len(rest) <= limit:
        return Page(rest)
    return Page(rest[:limit], make_marker(key(rest[limit - 1])))


# ------------------------------------------------------------------ the caller
@dataclass(frozen=True, slots=True)
class Caller:
    """Who signed a request, as IAM and STS answer for it."""

    arn: str
    user_id: str  # GetCallerIdentity's UserId
    account: str
    user: User | None = None  # an IAM user's own key, or a session of that user
    session: Session | None = None  # temporary credentials

    @property
    def principal(self) -> Principal:
        role = self.session.role_arn if self.session is not None else None
        return Principal.from_arn(self.arn, role_arn=role)

    @property
    def is_root(self) -> bool:
        return self.arn == root_arn(self.account)


async def caller_of(store: IamStore, account: str, access_key: str | None, now: float) -> Caller:
    """See the module docstring."""
    root = Caller(root_arn(account), account, account)
    if access_key is None:
        return root
    session = await store.get_session(access_key)
    if session is not None:
        if now >= session.expires:
            raise e.ExpiredToken(e.MSG_TOKEN_EXPIRED)
        user = None
        if not session.assumed_role and session.arn != root.arn:
            user = await store.get_user(session.arn.rsplit("/", 1)[-1])
        return Caller(session.arn, session.user_id, account, user, session)
    key = await store.get_access_key(access_key)
    if key is None or key.status != "Active":
        return root
    found = await store.get_user(key.user_name)
    if found is None:
        return root
    return Caller(found.arn, found.user_id, account, found)
