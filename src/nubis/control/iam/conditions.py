"""Condition operators: parsing a `Condition` block and deciding one condition.

The rules, from AWS's "IAM JSON policy elements: Condition operators" and "Conditions with
multiple context keys or values" pages:

- Several operators in a block, and several keys under one operator, are AND'd; several
  values for one key are OR'd, and NOR'd under a negated operator (`StringNotEquals`,
  `StringNotEqualsIgnoreCase`, `StringNotLike`, `NumericNotEquals`, `DateNotEquals`,
  `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`).
- Key names are case-insensitive; values are compared as the operator says.
- A key missing from the request makes a condition false, except under a negated
  operator, where it is true; `...IfExists` makes it true whatever the operator; `Null`
  tests the presence itself.
- `ForAllValues:` is true when every request value matches (also when the key is missing
  or has no values); `ForAnyValue:` when at least one does (false when missing/empty).
  Without a qualifier a multivalued request key behaves as `ForAnyValue` for a positive
  operator and, negated, as the negation of that.
- Policy variables in condition values are replaced (policy Version 2012-10-17 only); a
  value whose variable has no value matches nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from nubis.control.iam.patterns import (
    Lookup,
    arn_match,
    glob_match,
    has_variables,
    literal,
    substitute,
    variable_keys,
)
from nubis.control.iam.request import ContextValues

Compare = Callable[[str, str], bool]
"""(policy value, request value) → match."""


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@lru_cache(maxsize=4096)
def parse_date(text: str) -> float | None:
    """An ISO 8601 date/time or epoch seconds as epoch seconds (UTC when no offset)."""
    text = text.strip()
    if text.isdigit():
        return float(text)
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _ip_in(policy: str, request: str) -> bool:
    network, address = _network(policy), _address(request)
    if network is None or address is None:
        return False
    return network.version == address.version and address in network


def _binary(policy: str, request: str) -> bool:
    try:
        return base64.b64decode(policy, validate=True) == base64.b64decode(request)
    except (binascii.Error, ValueError):
        return False


def _numeric(test: Callable[[Decimal, Decimal], bool]) -> Compare:
    def compare(policy: str, request: str) -> bool:
        p, r = _decimal(policy), _decimal(request)
        return p is not None and r is not None and test(r, p)

    return compare


def _date(test: Callable[[float, float], bool]) -> Compare:
    def compare(policy: str, request: str) -> bool:
        p, r = parse_date(policy), parse_date(request)
        return p is not None and r is not None and test(r, p)

    return compare


def _bool(policy: str, request: str) -> bool:
    p, r = policy.lower(), request.lower()
    return p in ("true", "false") and p == r


_EQ: Compare = lambda p, r: literal(p) == r  # noqa: E731
_EQ_IC: Compare = lambda p, r: literal(p).lower() == r.lower()  # noqa: E731
_LIKE: Compare = glob_match

# base operator → (comparison, negated)
OPERATORS: dict[str, tuple[Compare, bool]] = {
    "StringEquals": (_EQ, False),
    "StringNotEquals": (_EQ, True),
    "StringEqualsIgnoreCase": (_EQ_IC, False),
    "StringNotEqualsIgnoreCase": (_EQ_IC, True),
    "StringLike": (_LIKE, False),
    "StringNotLike": (_LIKE, True),
    "NumericEquals": (_numeric(lambda r, p: r == p), False),
    "NumericNotEquals": (_numeric(lambda r, p: r == p), True),
    "NumericLessThan": (_numeric(lambda r, p: r < p), False),
    "NumericLessThanEquals": (_numeric(lambda r, p: r <= p), False),
    "NumericGreaterThan": (_numeric(lambda r, p: r > p), False),
    "NumericGreaterThanEquals": (_numeric(lambda r, p: r >= p), False),
    "DateEquals": (_date(lambda r, p: r == p), False),
    "DateNotEquals": (_date(lambda r, p: r == p), True),
    "DateLessThan": (_date(lambda r, p: r < p), False),
    "DateLessThanEquals": (_date(lambda r, p: r <= p), False),
    "DateGreaterThan": (_date(lambda r, p: r > p), False),
    "DateGreaterThanEquals": (_date(lambda r, p: r >= p), False),
    "Bool": (_bool, False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "ArnEquals": (arn_match, False),
    "ArnLike": (arn_match, False),
    "ArnNotEquals": (arn_match, True),
    "ArnNotLike": (arn_match, True),
}
NULL = "Null"
_QUALIFIERS = ("ForAllValues:", "ForAnyValue:")


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a Condition block with its OR'd values."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str  # "StringLike"
    qualifier: str | None  # "ForAllValues" / "ForAnyValue"
    if_exists: bool
    key: str  # lower-cased
    values: tuple[str, ...]
    has_variables: bool

    def reads(self) -> set[str]:
        """The context keys this condition depends on (its key and its variables')."""
        keys = {self.key}
        for value in self.values:
            keys.update(variable_keys(value))
        return keys


def split_operator(operator: str) -> tuple[str | None, str, bool] | None:
    """(qualifier, base, if_exists) of an operator name, None if it names none."""
    qualifier = None
    for prefix in _QUALIFIERS:
        if operator.startswith(prefix):
            qualifier, operator = prefix[:-1], operator[len(prefix) :]
            break
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    if base == NULL and not if_exists:
        return qualifier, base, False
    if base not in OPERATORS:
        return None
    return qualifier, base, if_exists


def _value_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def make_condition(operator: str, key: str, raw: Any) -> Condition | None:
    """A Condition from one operator/key/value(s) entry; None if malformed."""
    parts = split_operator(operator)
    raw_values = raw if isinstance(raw, list) else [raw]
    values = [_value_text(v) for v in raw_values]
    if parts is None or not isinstance(key, str) or None in values:
        return None
    qualifier, base, if_exists = parts
    texts = tuple(v for v in values if v is not None)
    return Condition(
        operator, base, qualifier, if_exists, key.lower(), texts, any(map(has_variables, texts))
    )


def _policy_values(cond: Condition, lookup: Lookup | None) -> list[str]:
    if not cond.has_variables or lookup is None:
        return list(cond.values)
    resolved = (substitute(v, lookup) for v in cond.values)
    return [v for v in resolved if v is not None]


def _null(cond: Condition, present: ContextValues | None) -> bool:
    absent = not present
    return any(v.lower() == ("true" if absent else "false") for v in cond.values)


def evaluate(cond: Condition, context: Mapping[str, ContextValues], lookup: Lookup | None) -> bool:
    """Whether `cond` holds for the request `context`. `lookup` resolves policy
    variables (None: the policy's version has none, values are literal)."""
    present = context.get(cond.key)
    if cond.base == NULL:
        return _null(cond, present)
    compare, negated = OPERATORS[cond.base]
    if not present:
        if cond.if_exists or cond.qualifier == "ForAllValues":
            return True
        if cond.qualifier == "ForAnyValue":
            return False
        return negated
    policy_values = _policy_values(cond, lookup)

    def ok(request_value: str) -> bool:
        matched = any(compare(p, request_value) for p in policy_values)
        return not matched if negated else matched

    if cond.qualifier == "ForAllValues":
        return all(map(ok, present))
    if cond.qualifier == "ForAnyValue" or not negated:
        return any(map(ok, present))
    return all(map(ok, present))
