"""Policy documents: parse and validate once, into immutable statements ready to match.

A document is JSON text or an already decoded mapping. `parse_policy` checks it in the
order IAM does and raises `MalformedPolicyDocumentError` with IAM's message for the first
problem found ("Syntax errors in policy.", "The policy failed legacy parsing",
"Statement IDs (SID) in a single policy must be unique.", "Policy statement must contain
actions.", "Policy statement must contain resources.", "Policy document should not
specify a principal.", ...). Version is `2012-10-17` or `2008-10-17` (the default when
absent; policy variables are literal text under it). `Statement` is an object or a list.

`PolicyKind` says where the document is attached: an identity policy has no `Principal`;
a resource-based policy needs one; a role trust policy needs one and has no `Resource`.
An account id in `Principal` means `arn:aws:iam::<account>:root`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from nubis.control.iam import conditions
from nubis.control.iam.conditions import Condition
from nubis.control.iam.patterns import compile_any, has_variables, variable_keys
from nubis.control.iam.request import TIME_KEYS
from nubis.model.errors import NubisError

VERSIONS = ("2012-10-17", "2008-10-17")
VARIABLES_VERSION = "2012-10-17"

MSG_SYNTAX = "Syntax errors in policy."
MSG_LEGACY = "The policy failed legacy parsing"
MSG_SID_UNIQUE = "Statement IDs (SID) in a single policy must be unique."
MSG_SID_CHARS = (
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
    "regular expression [0-9A-Za-z]*"
)
MSG_NO_ACTIONS = "Policy statement must contain actions."
MSG_NO_RESOURCES = "Policy statement must contain resources."
MSG_HAS_PRINCIPAL = "Policy document should not specify a principal."
MSG_NO_PRINCIPAL = "Missing required field Principal"
MSG_HAS_RESOURCE = "Has prohibited field Resource"
MSG_BAD_PRINCIPAL = "Invalid principal in policy"
MSG_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
MSG_ONE_COLON = "Actions/Condition can contain only one colon."
MSG_NOT_PRINCIPAL_ALLOW = 'NotPrincipal is supported only with "Effect": "Deny"'

_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal"}
    | {"NotPrincipal", "Condition"}
)
_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-f"})
_VENDOR = re.compile(r"^[a-zA-Z0-9\-.]+$|^\*$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SID = re.compile(r"^[0-9A-Za-z]*$")


class MalformedPolicyDocumentError(NubisError):
    """IAM's MalformedPolicyDocument (HTTP 400) with IAM's message."""

    wire_type: ClassVar[str] = "MalformedPolicyDocument"
    status: ClassVar[int] = 400


class PolicyKind(Enum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"


@dataclass(frozen=True, slots=True)
class Principals:
    """The principals a `Principal`/`NotPrincipal` element names."""

    anyone: bool = False
    aws: frozenset[str] = frozenset()  # ARNs; account ids as ...:root
    services: frozenset[str] = frozenset()  # lower-cased
    federated: frozenset[str] = frozenset()
    canonical: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str | None
    allow: bool
    actions: tuple[str, ...]  # lower-cased patterns
    not_action: bool
    resources: tuple[str, ...] | None  # None: no Resource element (trust policies)
    not_resource: bool
    principals: Principals | None  # None: identity policy (the attached identity)
    not_principal: bool
    conditions: tuple[Condition, ...]
    # compiled once: all action patterns (case-insensitive); all resource patterns when
    # none has a `${` (else None: variables are resolved per request)
    action_re: re.Pattern[str] = field(init=False, compare=False, repr=False)
    resource_re: re.Pattern[str] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action_re", compile_any(self.actions, ignore_case=True))
        plain = self.resources is not None and not any(map(has_variables, self.resources))
        resource_re = compile_any(self.resources) if plain and self.resources else None
        object.__setattr__(self, "resource_re", resource_re)


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]
    version: str
    kind: PolicyKind
    id: str | None = None
    arn: str | None = None  # named in explicit-deny messages when known
    reads_time: bool = False  # some statement reads aws:CurrentTime/aws:EpochTime
    digest: str = ""  # of the document's content, kind and ARN (the decision cache's key)

    @property
    def variables(self) -> bool:
        """Whether `${...}` in Resource and condition values are policy variables."""
        return self.version == VARIABLES_VERSION


def _fail(message: str) -> MalformedPolicyDocumentError:
    return MalformedPolicyDocumentError(message)


def _strings(statement: Mapping[str, Any], key: str) -> list[str] | None:
    """A string-or-list-of-strings element as a list (None when absent)."""
    if key not in statement:
        return None
    value = statement[key]
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise _fail(MSG_SYNTAX)
    return list(items)


def _load(document: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise _fail(MSG_SYNTAX) from exc
    if not isinstance(document, Mapping):
        raise _fail(MSG_SYNTAX)
    if not set(document) <= {"Version", "Id", "Statement"} or "Statement" not in document:
        raise _fail(MSG_SYNTAX)
    if document.get("Version", VERSIONS[1]) not in VERSIONS:
        raise _fail(MSG_SYNTAX)
    if "Id" in document and not isinstance(document["Id"], str):
        raise _fail(MSG_SYNTAX)
    return document


def _raw_statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = document["Statement"]
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not items:
        raise _fail(MSG_SYNTAX)
    for item in items:
        _check_syntax(item)
    return items


def _check_syntax(item: Any) -> None:
    if not isinstance(item, Mapping) or not set(item) <= _STATEMENT_KEYS:
        raise _fail(MSG_SYNTAX)
    if ("Action" in item and "NotAction" in item) or ("Resource" in item and "NotResource" in item):
        raise _fail(MSG_SYNTAX)
    if "Principal" in item and "NotPrincipal" in item:
        raise _fail(MSG_SYNTAX)
    effect = item.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise _fail(MSG_SYNTAX)
    if "Sid" in item and not isinstance(item["Sid"], str):
        raise _fail(MSG_SYNTAX)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        _strings(item, key)
    _conditions(item.get("Condition"))


def _conditions(block: Any) -> tuple[Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise _fail(MSG_SYNTAX)
    out: list[Condition] = []
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise _fail(MSG_SYNTAX)
        for key, raw in pairs.items():
            cond = conditions.make_condition(operator, key, raw)
            if cond is None:
                raise _fail(MSG_SYNTAX)
            out.append(cond)
    return tuple(out)


def _principal_arn(text: str) -> str:
    if text == "*":
        return text
    if _ACCOUNT.match(text):
        return f"arn:aws:iam::{text}:root"
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
        raise _fail(MSG_BAD_PRINCIPAL)
    if "*" in text or "?" in text:  # no wildcards inside a principal (Principal page)
        raise _fail(MSG_BAD_PRINCIPAL)
    return text


def _principals(raw: Any) -> Principals:
    if raw == "*":
        return Principals(anyone=True)
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(MSG_BAD_PRINCIPAL)
    found: dict[str, set[str]] = {"AWS": set(), "Service": set(), "Federated": set()}
    found["CanonicalUser"] = set()
    for kind, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if kind not in found or not values or not all(isinstance(v, str) for v in values):
            raise _fail(MSG_BAD_PRINCIPAL)
        found[kind].update(values)
    aws = {_principal_arn(v) for v in found["AWS"]}
    return Principals(
        anyone="*" in aws,
        aws=frozenset(aws - {"*"}),
        services=frozenset(v.lower() for v in found["Service"]),
        federated=frozenset(found["Federated"]),
        canonical=frozenset(found["CanonicalUser"]),
    )


def _check_action(action: str) -> None:
    parts = action.split(":")
    if len(parts) == 1 and action != "*":
        raise _fail(MSG_VENDOR)
    if len(parts) > 2:
        raise _fail(MSG_ONE_COLON)
    if not _VENDOR.match(parts[0]):
        raise _fail(f"Vendor {parts[0]} is not valid")


def _check_resource(resource: str) -> None:
    if resource == "*":
        return
    if ":" not in resource:
        raise _fail(f'Resource {resource} must be in ARN format or "*".')
    parts = resource.split(":", 5)
    partition = parts[1] if len(parts) > 1 else ""
    if partition not in _PARTITIONS and "*" not in partition and "?" not in partition:
        rest = [*parts[2:], "*", "*", "*", "*"][:4]
        shown = ":".join(p or "*" for p in rest)
        raise _fail(f'Partition "{partition}" is not valid for resource "arn:{partition}:{shown}".')


def _check_legacy(raw: Mapping[str, Any]) -> None:
    if raw["Effect"] not in ("Allow", "Deny"):  # IAM's legacy parser is case-sensitive
        raise _fail(MSG_LEGACY)
    for cond in _conditions(raw.get("Condition")):
        if cond.base.startswith("Date") and any(
            conditions.parse_date(v) is None for v in cond.values if not has_variables(v)
        ):
            raise _fail(MSG_LEGACY)


def _actions(raw: Mapping[str, Any]) -> list[str]:
    return _strings(raw, "Action") or _strings(raw, "NotAction") or []


def _resources(raw: Mapping[str, Any]) -> list[str] | None:
    return _strings(raw, "Resource") if "Resource" in raw else _strings(raw, "NotResource")


def _check_principal(raw: Mapping[str, Any], kind: PolicyKind) -> None:
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind is PolicyKind.IDENTITY and has_principal:
        raise _fail(MSG_HAS_PRINCIPAL)
    if kind is not PolicyKind.IDENTITY and not has_principal:
        raise _fail(MSG_NO_PRINCIPAL)
    if "NotPrincipal" in raw and (raw["Effect"] == "Allow" or kind is PolicyKind.TRUST):
        raise _fail(MSG_NOT_PRINCIPAL_ALLOW)
    if has_principal:
        _principals(raw.get("Principal", raw.get("NotPrincipal")))


def _validate(raw: list[Mapping[str, Any]], kind: PolicyKind) -> None:
    """IAM's checks after the syntax, each over every statement before the next one."""
    for item in raw:
        _check_legacy(item)
    _check_sids(raw, kind)
    if not all(_actions(item) for item in raw):
        raise _fail(MSG_NO_ACTIONS)
    for item in raw:
        resources = _resources(item)
        if kind is PolicyKind.TRUST and resources is not None:
            raise _fail(MSG_HAS_RESOURCE)
        if kind is not PolicyKind.TRUST and not resources:
            raise _fail(MSG_NO_RESOURCES)
    for item in raw:
        for resource in _resources(item) or ():
            _check_resource(resource)
    for item in raw:
        for action in _actions(item):
            _check_action(action)
    for item in raw:
        _check_principal(item, kind)


def _statement(raw: Mapping[str, Any]) -> Statement:
    """A validated statement, compiled."""
    resources = _resources(raw)
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    principal_raw = raw.get("Principal", raw.get("NotPrincipal"))
    return Statement(
        sid=raw.get("Sid"),
        allow=raw["Effect"] == "Allow",
        actions=tuple(a.lower() for a in _actions(raw)),
        not_action="NotAction" in raw,
        resources=None if resources is None else tuple(resources),
        not_resource="NotResource" in raw,
        principals=_principals(principal_raw) if has_principal else None,
        not_principal="NotPrincipal" in raw,
        conditions=_conditions(raw.get("Condition")),
    )


def _check_sids(raw: list[Mapping[str, Any]], kind: PolicyKind) -> None:
    sids = [s["Sid"] for s in raw if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise _fail(MSG_SID_UNIQUE)
    if kind is PolicyKind.IDENTITY and not all(_SID.match(s) for s in sids):
        raise _fail(MSG_SID_CHARS)


def _reads_time(statements: tuple[Statement, ...], variables: bool) -> bool:
    for st in statements:
        keys: set[str] = set()
        for cond in st.conditions:
            keys |= cond.reads() if variables else {cond.key}
        if variables:
            for resource in st.resources or ():
                keys.update(variable_keys(resource))
        if keys & TIME_KEYS:
            return True
    return False


def parse_policy(
    document: str | Mapping[str, Any],
    kind: PolicyKind = PolicyKind.IDENTITY,
    *,
    arn: str | None = None,
) -> Policy:
    """Validate `document` and compile it; raises MalformedPolicyDocumentError."""
    doc = _load(document)
    raw = _raw_statements(doc)
    _validate(raw, kind)
    statements = tuple(_statement(s) for s in raw)
    version = doc.get("Version", VERSIONS[1])
    canonical = json.dumps([doc, kind.value, arn], sort_keys=True, separators=(",", ":"))
    return Policy(
        statements,
        version,
        kind,
        id=doc.get("Id"),
        arn=arn,
        reads_time=_reads_time(statements, version == VARIABLES_VERSION),
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )
