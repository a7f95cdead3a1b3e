"""The policy-evaluation table: policies, a request, the expected decision.

Each group names the AWS documentation page its expectations come from. `expect` is one of
  allow               the request is allowed
  deny:identity       explicit deny in an identity-based policy
  deny:resource       explicit deny in a resource-based policy
  implicit:identity   no identity-based policy allows (implicit deny)
  implicit:resource   no resource-based policy allows (cross-account, services, anonymous)

Condition-operator cases are written as (condition block, request context, holds?): the
policy is `Allow *` on `*` under that condition, so "holds" means allow and "does not
hold" means implicit:identity. Each such case goes through the whole evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACCT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
BOB = f"arn:aws:iam::{ACCT}:user/bob"
CAROL = f"arn:aws:iam::{OTHER}:user/carol"  # another account
ROOT = f"arn:aws:iam::{ACCT}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
ROLE = f"arn:aws:iam::{ACCT}:role/admin-ops"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/admin-ops/session-1"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:my-fn"
INVOKE = "lambda:InvokeFunction"
NOW = "2026-12-01T12:00:00Z"  # the request's aws:CurrentTime (epoch 1796126400)

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
OPERATORS_PAGE = DOCS + "reference_policies_elements_condition_operators.html"
MULTI_PAGE = DOCS + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
VARIABLES_PAGE = DOCS + "reference_policies_variables.html"
ACTION_PAGE = DOCS + "reference_policies_elements_action.html"
NOTACTION_PAGE = DOCS + "reference_policies_elements_notaction.html"
RESOURCE_PAGE = DOCS + "reference_policies_elements_resource.html"
NOTRESOURCE_PAGE = DOCS + "reference_policies_elements_notresource.html"
LOGIC_PAGE = DOCS + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
SINGLE_PAGE = DOCS + "reference_policies_evaluation-logic_policy-eval-basics.html"
CROSS_PAGE = DOCS + "reference_policies_evaluation-logic-cross-account.html"
PRINCIPAL_PAGE = DOCS + "reference_policies_elements_principal.html"
NOTPRINCIPAL_PAGE = DOCS + "reference_policies_elements_notprincipal.html"
GLOBAL_KEYS_PAGE = DOCS + "reference_policies_condition-keys.html"


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    expect: str
    identity: list[dict[str, Any]] = field(default_factory=list)
    resource_policy: dict[str, Any] | None = None
    principal: str = ALICE  # an ARN, "service:<name>" or "anonymous"
    action: str = INVOKE
    resource: str = FN
    context: dict[str, Any] = field(default_factory=dict)
    resource_account: str | None = None  # None: the caller's own account
    now: str | None = NOW  # aws:CurrentTime / aws:EpochTime (None: not in the context)


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def grant(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    """A resource-policy statement on the function."""
    body = {"Effect": effect, "Principal": principal, "Action": INVOKE, "Resource": FN}
    return {**body, **extra}


def cond(name: str, block: dict[str, Any], context: dict[str, Any], holds: bool, **kw: Any) -> Case:
    version = kw.pop("version", "2012-10-17")
    source = kw.pop("source", OPERATORS_PAGE)
    return Case(
        name=name,
        source=source,
        expect="allow" if holds else "implicit:identity",
        identity=[doc(allow(Condition=block), version=version)],
        context=context,
        **kw,
    )


def _string_cases() -> list[Case]:
    sa, acct = "aws:SourceAccount", {"aws:SourceAccount": ACCT}
    return [
        cond("StringEquals match", {"StringEquals": {sa: ACCT}}, acct, True),
        cond("StringEquals mismatch", {"StringEquals": {sa: OTHER}}, acct, False),
        cond(
            "StringEquals is case-sensitive",
            {"StringEquals": {"k:v": "Alice"}},
            {"k:v": "alice"},
            False,
        ),
        cond(
            "StringEquals key name is case-insensitive",
            {"StringEquals": {"AWS:SOURCEACCOUNT": ACCT}},
            acct,
            True,
        ),
        cond(
            "StringEquals context key upper-case",
            {"StringEquals": {sa: ACCT}},
            {"AWS:SourceACCOUNT": ACCT},
            True,
        ),
        cond("StringEquals missing key is false", {"StringEquals": {sa: ACCT}}, {}, False),
        cond(
            "StringEquals values are OR'd (second)",
            {"StringEquals": {"k:v": ["a", "b"]}},
            {"k:v": "b"},
            True,
        ),
        cond(
            "StringEquals values are OR'd (none)",
            {"StringEquals": {"k:v": ["a", "b"]}},
            {"k:v": "c"},
            False,
        ),
        cond(
            "StringEquals has no wildcards",
            {"StringEquals": {"k:v": "abc*"}},
            {"k:v": "abcd"},
            False,
        ),
        cond("StringEquals * is literal", {"StringEquals": {"k:v": "abc*"}}, {"k:v": "abc*"}, True),
        cond("StringEquals empty string", {"StringEquals": {"k:v": ""}}, {"k:v": ""}, True),
        cond("StringNotEquals differs", {"StringNotEquals": {sa: OTHER}}, acct, True),
        cond("StringNotEquals equal", {"StringNotEquals": {sa: ACCT}}, acct, False),
        cond("StringNotEquals missing key is true", {"StringNotEquals": {sa: ACCT}}, {}, True),
        cond(
            "StringNotEquals values are NOR'd (one equal)",
            {"StringNotEquals": {"k:v": ["a", "b"]}},
            {"k:v": "a"},
            False,
        ),
        cond(
            "StringNotEquals values are NOR'd (none equal)",
            {"StringNotEquals": {"k:v": ["a", "b"]}},
            {"k:v": "c"},
            True,
        ),
        cond(
            "StringNotEquals is case-sensitive",
            {"StringNotEquals": {"k:v": "Alice"}},
            {"k:v": "alice"},
            True,
        ),
        cond(
            "StringEqualsIgnoreCase match",
            {"StringEqualsIgnoreCase": {"k:v": "ALICE"}},
            {"k:v": "alice"},
            True,
        ),
        cond(
            "StringEqualsIgnoreCase mismatch",
            {"StringEqualsIgnoreCase": {"k:v": "bob"}},
            {"k:v": "alice"},
            False,
        ),
        cond("StringEqualsIgnoreCase missing", {"StringEqualsIgnoreCase": {"k:v": "a"}}, {}, False),
        cond(
            "StringNotEqualsIgnoreCase same but case",
            {"StringNotEqualsIgnoreCase": {"k:v": "ALICE"}},
            {"k:v": "alice"},
            False,
        ),
        cond(
            "StringNotEqualsIgnoreCase differs",
            {"StringNotEqualsIgnoreCase": {"k:v": "bob"}},
            {"k:v": "alice"},
            True,
        ),
        cond(
            "StringNotEqualsIgnoreCase missing",
            {"StringNotEqualsIgnoreCase": {"k:v": "a"}},
            {},
            True,
        ),
        cond(
            "StringLike ? matches one", {"StringLike": {"k:v": "topic-?"}}, {"k:v": "topic-1"}, True
        ),
        cond(
            "StringLike ? matches only one",
            {"StringLike": {"k:v": "topic-?"}},
            {"k:v": "topic-12"},
            False,
        ),
        cond(
            "StringLike ? needs a character",
            {"StringLike": {"k:v": "topic-?"}},
            {"k:v": "topic-"},
            False,
        ),
        cond("StringLike * alone", {"StringLike": {"k:v": "*"}}, {"k:v": "anything"}, True),
        cond("StringLike * matches empty", {"StringLike": {"k:v": "dev-*"}}, {"k:v": "dev-"}, True),
        cond(
            "StringLike prefix mismatch", {"StringLike": {"k:v": "dev-*"}}, {"k:v": "prod-x"}, False
        ),
        cond(
            "StringLike wildcard in the middle",
            {"StringLike": {"k:v": "a*z"}},
            {"k:v": "abcz"},
            True,
        ),
        cond(
            "StringLike middle wildcard, empty run",
            {"StringLike": {"k:v": "a*z"}},
            {"k:v": "az"},
            True,
        ),
        cond(
            "StringLike middle wildcard, wrong end",
            {"StringLike": {"k:v": "a*z"}},
            {"k:v": "abcy"},
            False,
        ),
        cond(
            "StringLike is case-sensitive",
            {"StringLike": {"k:v": "Dev-*"}},
            {"k:v": "dev-x"},
            False,
        ),
        cond(
            "StringLike * spans / and :",
            {"StringLike": {"k:v": "home/*"}},
            {"k:v": "home/a/b:c"},
            True,
        ),
        cond("StringLike missing key", {"StringLike": {"k:v": "*"}}, {}, False),
        cond(
            "StringLike is a whole-string match",
            {"StringLike": {"k:v": "dev"}},
            {"k:v": "dev-1"},
            False,
        ),
        cond(
            "StringLike regex characters are literal",
            {"StringLike": {"k:v": "a.c"}},
            {"k:v": "abc"},
            False,
        ),
        cond("StringNotLike no match", {"StringNotLike": {"k:v": "dev-*"}}, {"k:v": "prod"}, True),
        cond("StringNotLike match", {"StringNotLike": {"k:v": "dev-*"}}, {"k:v": "dev-1"}, False),
        cond("StringNotLike missing key is true", {"StringNotLike": {"k:v": "dev-*"}}, {}, True),
        cond(
            "StringNotLike values NOR'd",
            {"StringNotLike": {"k:v": ["dev-*", "test-*"]}},
            {"k:v": "test-1"},
            False,
        ),
        cond(
            "StringNotLike values NOR'd, none",
            {"StringNotLike": {"k:v": ["dev-*", "test-*"]}},
            {"k:v": "prod"},
            True,
        ),
    ]


def _numeric_cases() -> list[Case]:
    n = "s3:max-keys"

    def num(op: str, policy: Any, value: Any, holds: bool) -> Case:
        return cond(f"{op} {policy} vs {value}", {op: {n: policy}}, {n: value}, holds)

    return [
        num("NumericEquals", "10", "10", True),
        num("NumericEquals", "10", "10.0", True),
        num("NumericEquals", "10", "11", False),
        num("NumericEquals", "10", "ten", False),
        cond("NumericEquals with JSON numbers", {"NumericEquals": {n: 10}}, {n: 10.0}, True),
        num("NumericNotEquals", "10", "11", True),
        num("NumericNotEquals", "10", "10", False),
        num("NumericNotEquals", ["10", "11"], "11", False),
        num("NumericLessThan", "10", "9", True),
        num("NumericLessThan", "10", "10", False),
        num("NumericLessThan", "10", "11", False),
        num("NumericLessThan", "-1.5", "-2", True),
        num("NumericLessThan", 10, 5, True),
        num("NumericLessThanEquals", "10", "10", True),
        num("NumericLessThanEquals", "10", "11", False),
        num("NumericGreaterThan", "10", "11", True),
        num("NumericGreaterThan", "10", "10", False),
        num("NumericGreaterThan", "0.5", "0.75", True),
        num("NumericGreaterThanEquals", "10", "10", True),
        num("NumericGreaterThanEquals", "10", "9", False),
        num("NumericGreaterThanEquals", ["100", "5"], "6", True),
        cond("NumericLessThan missing key", {"NumericLessThan": {n: "10"}}, {}, False),
        cond("NumericNotEquals missing key", {"NumericNotEquals": {n: "10"}}, {}, True),
    ]


def _date_cases() -> list[Case]:
    t = "aws:CurrentTime"
    now = {t: NOW}

    def date(op: str, policy: Any, holds: bool, context: dict[str, Any] = now) -> Case:
        return cond(f"{op} {policy}", {op: {t: policy}}, context, holds)

    return [
        date("DateLessThan", "2030-01-01T00:00:00Z", True),
        date("DateLessThan", "2020-01-01T00:00:00Z", False),
        date("DateLessThan", NOW, False),
        date("DateLessThanEquals", NOW, True),
        date("DateGreaterThan", "2020-01-01T00:00:00Z", True),
        date("DateGreaterThan", NOW, False),
        date("DateGreaterThanEquals", NOW, True),
        date("DateEquals", NOW, True),
        date("DateEquals", "1796126400", True),  # epoch seconds
        date("DateEquals", "2026-12-01T13:00:00+01:00", True),  # an offset
        date("DateEquals", "2026-12-01T12:00:01Z", False),
        date("DateNotEquals", NOW, False),
        date("DateNotEquals", "2026-12-01T12:00:01Z", True),
        date("DateGreaterThan", "2026-12-01", True),  # a date alone is midnight UTC
        date("DateLessThan", "2026-12-02", True),
        date("DateGreaterThan", "2026-12-01T12:00:00.500Z", False),  # fractions count
        date("DateLessThan", "1796126401", True),
        date("DateLessThan", "1767225600", False),
        cond(
            "DateGreaterThan, request time in epoch seconds",
            {"DateGreaterThan": {t: "2026-06-01T00:00:00Z"}},
            {t: "1796126400"},
            True,
            now=None,
        ),
        cond(
            "DateLessThan on a missing aws:CurrentTime",
            {"DateLessThan": {t: "2030-01-01"}},
            {},
            False,
            now=None,
        ),
        cond(
            "DateNotEquals on a missing aws:CurrentTime",
            {"DateNotEquals": {t: NOW}},
            {},
            True,
            now=None,
        ),
        cond(
            "DateGreaterThan on aws:TokenIssueTime",
            {"DateGreaterThan": {"aws:TokenIssueTime": "2026-11-30T00:00:00Z"}},
            {"aws:TokenIssueTime": "2026-12-01T08:00:00Z"},
            True,
        ),
        cond(
            "NumericLessThan on aws:EpochTime",
            {"NumericLessThan": {"aws:EpochTime": "1800000000"}},
            {},
            True,
            source=GLOBAL_KEYS_PAGE,
        ),
    ]


def _bool_binary_ip_cases() -> list[Case]:
    st, ip = "aws:SecureTransport", "aws:SourceIp"
    bits = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="  # base64 of b"BinaryValueInBase64"
    return [
        cond("Bool true vs true", {"Bool": {st: "true"}}, {st: True}, True),
        cond("Bool true vs false", {"Bool": {st: "true"}}, {st: False}, False),
        cond("Bool false vs false", {"Bool": {st: "false"}}, {st: False}, True),
        cond("Bool JSON true", {"Bool": {st: True}}, {st: True}, True),
        cond("Bool missing key", {"Bool": {st: "true"}}, {}, False),
        cond(
            "Bool string context",
            {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            {"aws:MultiFactorAuthPresent": "true"},
            True,
        ),
        cond("BoolIfExists missing key", {"BoolIfExists": {st: "false"}}, {}, True),
        cond("BoolIfExists present, false", {"BoolIfExists": {st: "true"}}, {st: False}, False),
        cond(
            "BinaryEquals match",
            {"BinaryEquals": {"k:bin": bits}},
            {"k:bin": b"BinaryValueInBase64"},
            True,
        ),
        cond(
            "BinaryEquals mismatch", {"BinaryEquals": {"k:bin": bits}}, {"k:bin": b"other"}, False
        ),
        cond("BinaryEquals missing", {"BinaryEquals": {"k:bin": bits}}, {}, False),
        cond("IpAddress in CIDR", {"IpAddress": {ip: "203.0.113.0/24"}}, {ip: "203.0.113.7"}, True),
        cond(
            "IpAddress outside CIDR",
            {"IpAddress": {ip: "203.0.113.0/24"}},
            {ip: "198.51.100.1"},
            False,
        ),
        cond(
            "IpAddress single address",
            {"IpAddress": {ip: "203.0.113.7"}},
            {ip: "203.0.113.7"},
            True,
        ),
        cond(
            "IpAddress single address, other",
            {"IpAddress": {ip: "203.0.113.7"}},
            {ip: "203.0.113.8"},
            False,
        ),
        cond("IpAddress /32", {"IpAddress": {ip: "203.0.113.7/32"}}, {ip: "203.0.113.7"}, True),
        cond("IpAddress 0.0.0.0/0", {"IpAddress": {ip: "0.0.0.0/0"}}, {ip: "8.8.8.8"}, True),
        cond(
            "IpAddress IPv6 in",
            {"IpAddress": {ip: "2001:DB8:1234:5678::/64"}},
            {ip: "2001:db8:1234:5678::1"},
            True,
        ),
        cond(
            "IpAddress IPv6 out",
            {"IpAddress": {ip: "2001:DB8:1234:5678::/64"}},
            {ip: "2001:db8:1234:9999::1"},
            False,
        ),
        cond(
            "IpAddress IPv4 request, IPv6 range",
            {"IpAddress": {ip: "2001:DB8::/32"}},
            {ip: "203.0.113.7"},
            False,
        ),
        cond(
            "IpAddress v4 and v6 values OR'd",
            {"IpAddress": {ip: ["203.0.113.0/24", "2001:DB8::/32"]}},
            {ip: "2001:db8::5"},
            True,
        ),
        cond(
            "IpAddress host bits set in policy",
            {"IpAddress": {ip: "203.0.113.9/24"}},
            {ip: "203.0.113.200"},
            True,
        ),
        cond("IpAddress missing key", {"IpAddress": {ip: "0.0.0.0/0"}}, {}, False),
        cond(
            "IpAddress malformed request value",
            {"IpAddress": {ip: "0.0.0.0/0"}},
            {ip: "not-an-ip"},
            False,
        ),
        cond(
            "NotIpAddress inside",
            {"NotIpAddress": {ip: "203.0.113.0/24"}},
            {ip: "203.0.113.7"},
            False,
        ),
        cond(
            "NotIpAddress outside",
            {"NotIpAddress": {ip: "203.0.113.0/24"}},
            {ip: "198.51.100.1"},
            True,
        ),
        cond("NotIpAddress missing key", {"NotIpAddress": {ip: "203.0.113.0/24"}}, {}, True),
        cond(
            "NotIpAddress values NOR'd",
            {"NotIpAddress": {ip: ["10.0.0.0/8", "203.0.113.0/24"]}},
            {ip: "203.0.113.7"},
            False,
        ),
    ]


def _arn_cases() -> list[Case]:
    sa = "aws:SourceArn"
    topic = {sa: f"arn:aws:sns:us-east-1:{ACCT}:my-topic"}
    return [
        cond(
            "ArnLike * in resource part",
            {"ArnLike": {sa: f"arn:aws:sns:us-east-1:{ACCT}:*"}},
            topic,
            True,
        ),
        cond(
            "ArnLike * in region", {"ArnLike": {sa: f"arn:aws:sns:*:{ACCT}:my-topic"}}, topic, True
        ),
        cond(
            "ArnLike ? in account",
            {"ArnLike": {sa: "arn:aws:sns:us-east-1:11112222333?:my-topic"}},
            topic,
            True,
        ),
        cond("ArnLike wrong account", {"ArnLike": {sa: f"arn:aws:sns:*:{OTHER}:*"}}, topic, False),
        cond(
            "ArnLike * does not cross segments",
            {"ArnLike": {sa: "arn:aws:sns:us-east-1:*"}},
            topic,
            False,
        ),
        cond(
            "StringLike * crosses segments",
            {"StringLike": {sa: "arn:aws:sns:us-east-1:*"}},
            topic,
            True,
        ),
        cond(
            "ArnLike resource part keeps its colons",
            {"ArnLike": {sa: f"arn:aws:lambda:us-east-1:{ACCT}:function:*"}},
            {sa: FN + ":PROD"},
            True,
        ),
        cond(
            "ArnLike is case-sensitive",
            {"ArnLike": {sa: f"arn:aws:sns:us-east-1:{ACCT}:My-Topic"}},
            topic,
            False,
        ),
        cond(
            "ArnLike value not an ARN",
            {"ArnLike": {sa: "arn:aws:sns:*:*:*"}},
            {sa: "my-topic"},
            False,
        ),
        cond("ArnEquals exact", {"ArnEquals": {sa: topic[sa]}}, topic, True),
        cond(
            "ArnEquals takes wildcards too",
            {"ArnEquals": {sa: "arn:aws:sns:*:*:my-*"}},
            topic,
            True,
        ),
        cond(
            "ArnEquals mismatch",
            {"ArnEquals": {sa: f"arn:aws:sns:us-east-1:{ACCT}:other"}},
            topic,
            False,
        ),
        cond("ArnLike missing key", {"ArnLike": {sa: "arn:aws:sns:*:*:*"}}, {}, False),
        cond("ArnNotLike matching", {"ArnNotLike": {sa: f"arn:aws:sns:*:{ACCT}:*"}}, topic, False),
        cond(
            "ArnNotLike not matching", {"ArnNotLike": {sa: f"arn:aws:sns:*:{OTHER}:*"}}, topic, True
        ),
        cond("ArnNotLike missing key", {"ArnNotLike": {sa: "arn:aws:sns:*:*:*"}}, {}, True),
        cond("ArnNotEquals equal", {"ArnNotEquals": {sa: topic[sa]}}, topic, False),
        cond(
            "ArnNotEquals differs",
            {"ArnNotEquals": {sa: f"arn:aws:sns:us-east-1:{ACCT}:x"}},
            topic,
            True,
        ),
        cond("ArnNotEquals missing key", {"ArnNotEquals": {sa: topic[sa]}}, {}, True),
        cond(
            "ArnLike on aws:PrincipalArn (derived)",
            {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:user/*"}},
            {},
            True,
            source=GLOBAL_KEYS_PAGE,
        ),
    ]


def _null_ifexists_cases() -> list[Case]:
    tk = "aws:TokenIssueTime"
    return [
        cond("Null true, key absent", {"Null": {tk: "true"}}, {}, True),
        cond("Null true, key present", {"Null": {tk: "true"}}, {tk: NOW}, False),
        cond("Null false, key present", {"Null": {tk: "false"}}, {tk: NOW}, True),
        cond("Null false, key absent", {"Null": {tk: "false"}}, {}, False),
        cond("Null JSON true", {"Null": {tk: True}}, {}, True),
        cond("Null both values OR'd", {"Null": {tk: ["true", "false"]}}, {tk: NOW}, True),
        cond(
            "Null key name case-insensitive",
            {"Null": {"AWS:TOKENISSUETIME": "false"}},
            {tk: NOW},
            True,
        ),
        cond("StringEqualsIfExists missing", {"StringEqualsIfExists": {"k:v": "a"}}, {}, True),
        cond(
            "StringEqualsIfExists present, equal",
            {"StringEqualsIfExists": {"k:v": "a"}},
            {"k:v": "a"},
            True,
        ),
        cond(
            "StringEqualsIfExists present, differs",
            {"StringEqualsIfExists": {"k:v": "a"}},
            {"k:v": "b"},
            False,
        ),
        cond(
            "StringNotEqualsIfExists missing", {"StringNotEqualsIfExists": {"k:v": "a"}}, {}, True
        ),
        cond(
            "StringNotEqualsIfExists present, equal",
            {"StringNotEqualsIfExists": {"k:v": "a"}},
            {"k:v": "a"},
            False,
        ),
        cond(
            "StringLikeIfExists present, no match",
            {"StringLikeIfExists": {"k:v": "a*"}},
            {"k:v": "b"},
            False,
        ),
        cond(
            "NumericLessThanIfExists missing", {"NumericLessThanIfExists": {"k:n": "10"}}, {}, True
        ),
        cond(
            "NumericLessThanIfExists present, too big",
            {"NumericLessThanIfExists": {"k:n": "10"}},
            {"k:n": "20"},
            False,
        ),
        cond(
            "DateLessThanIfExists missing",
            {"DateLessThanIfExists": {"k:d": "2020-01-01"}},
            {},
            True,
        ),
        cond(
            "ArnLikeIfExists missing",
            {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:*"}},
            {},
            True,
        ),
        cond(
            "IpAddressIfExists missing",
            {"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}},
            {},
            True,
        ),
        cond(
            "IpAddressIfExists present, outside",
            {"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}},
            {"aws:SourceIp": "192.0.2.1"},
            False,
        ),
        cond("BinaryEqualsIfExists missing", {"BinaryEqualsIfExists": {"k:b": "AA=="}}, {}, True),
    ]


def _missing_key_cases() -> list[Case]:
    """Every operator on a key the request lacks: false, true when negated; always true
    with IfExists (operators page, "Important" note and the ...IfExists section)."""
    values = {
        "String": "x",
        "Numeric": "1",
        "Date": "2020-01-01T00:00:00Z",
        "Arn": "arn:aws:s3:::*",
        "Bool": "true",
        "Binary": "AA==",
        "Ip": "10.0.0.0/8",
    }
    operators = [
        ("StringEquals", False),
        ("StringNotEquals", True),
        ("StringEqualsIgnoreCase", False),
        ("StringNotEqualsIgnoreCase", True),
        ("StringLike", False),
        ("StringNotLike", True),
        ("NumericEquals", False),
        ("NumericNotEquals", True),
        ("NumericLessThan", False),
        ("NumericLessThanEquals", False),
        ("NumericGreaterThan", False),
        ("NumericGreaterThanEquals", False),
        ("DateEquals", False),
        ("DateNotEquals", True),
        ("DateLessThan", False),
        ("DateLessThanEquals", False),
        ("DateGreaterThan", False),
        ("DateGreaterThanEquals", False),
        ("Bool", False),
        ("BinaryEquals", False),
        ("IpAddress", False),
        ("NotIpAddress", True),
        ("ArnEquals", False),
        ("ArnLike", False),
        ("ArnNotEquals", True),
        ("ArnNotLike", True),
    ]
    cases = []
    for op, negated in operators:
        family = next(f for f in values if op.removeprefix("Not").startswith(f))
        block = {op: {"k:absent": values[family]}}
        cases.append(cond(f"{op} on a missing key", block, {}, negated))
        cases.append(cond(f"{op}IfExists on a missing key", {op + "IfExists": block[op]}, {}, True))
    return cases


def _set_cases() -> list[Case]:
    tk = "aws:TagKeys"

    def s(name: str, op: str, policy: Any, context: Any, holds: bool) -> Case:
        ctx = {} if context is None else {tk: context}
        return cond(name, {op: {tk: policy}}, ctx, holds, source=MULTI_PAGE)

    fa, fy = "ForAllValues:StringEquals", "ForAnyValue:StringEquals"
    return [
        s("ForAllValues all in the set", fa, ["env", "team", "cost"], ["env", "team"], True),
        s("ForAllValues one outside", fa, ["env", "team"], ["env", "owner"], False),
        s("ForAllValues on an empty set is true", fa, ["env"], [], True),
        s("ForAllValues on a missing key is true", fa, ["env"], None, True),
        s("ForAllValues single value", fa, ["env"], ["env"], True),
        s("ForAnyValue one in the set", fy, ["env"], ["env", "owner"], True),
        s("ForAnyValue none in the set", fy, ["env"], ["owner", "team"], False),
        s("ForAnyValue on an empty set is false", fy, ["env"], [], False),
        s("ForAnyValue on a missing key is false", fy, ["env"], None, False),
        s(
            "ForAllValues:StringLike all match",
            "ForAllValues:StringLike",
            ["env-*"],
            ["env-a", "env-b"],
            True,
        ),
        s(
            "ForAllValues:StringLike one does not",
            "ForAllValues:StringLike",
            ["env-*"],
            ["env-a", "x"],
            False,
        ),
        s(
            "ForAnyValue:StringLike one matches",
            "ForAnyValue:StringLike",
            ["env-*"],
            ["x", "env-a"],
            True,
        ),
        s(
            "ForAnyValue:StringNotEquals one differs",
            "ForAnyValue:StringNotEquals",
            ["env"],
            ["env", "owner"],
            True,
        ),
        s(
            "ForAnyValue:StringNotEquals all equal",
            "ForAnyValue:StringNotEquals",
            ["env"],
            ["env"],
            False,
        ),
        s(
            "ForAllValues:StringNotEquals none listed",
            "ForAllValues:StringNotEquals",
            ["secret"],
            ["env", "team"],
            True,
        ),
        s(
            "ForAllValues:StringNotEquals one listed",
            "ForAllValues:StringNotEquals",
            ["secret"],
            ["env", "secret"],
            False,
        ),
        s(
            "ForAllValues:StringEqualsIgnoreCase",
            "ForAllValues:StringEqualsIgnoreCase",
            ["env"],
            ["ENV", "Env"],
            True,
        ),
        s(
            "ForAnyValue:StringEqualsIfExists missing",
            "ForAnyValue:StringEqualsIfExists",
            ["env"],
            None,
            True,
        ),
        s(
            "ForAllValues:StringEqualsIfExists missing",
            "ForAllValues:StringEqualsIfExists",
            ["env"],
            None,
            True,
        ),
        s(
            "ForAnyValue:StringEqualsIfExists present, none",
            "ForAnyValue:StringEqualsIfExists",
            ["env"],
            ["x"],
            False,
        ),
        s(
            "unqualified StringEquals on a multivalued key (any)",
            "StringEquals",
            "team",
            ["env", "team"],
            True,
        ),
        s(
            "unqualified StringNotEquals on a multivalued key",
            "StringNotEquals",
            "team",
            ["env", "team"],
            False,
        ),
        s(
            "unqualified StringNotEquals, none listed",
            "StringNotEquals",
            "x",
            ["env", "team"],
            True,
        ),
        s(
            "ForAnyValue:NumericGreaterThan",
            "ForAnyValue:NumericGreaterThan",
            "5",
            ["1", "9"],
            True,
        ),
        s(
            "ForAllValues:NumericGreaterThan",
            "ForAllValues:NumericGreaterThan",
            "5",
            ["1", "9"],
            False,
        ),
        s(
            "ForAnyValue:IpAddress",
            "ForAnyValue:IpAddress",
            "10.0.0.0/8",
            ["192.0.2.1", "10.1.2.3"],
            True,
        ),
        s(
            "ForAllValues:ArnLike",
            "ForAllValues:ArnLike",
            "arn:aws:sns:*:*:*",
            ["arn:aws:sns:us-east-1:1:t", "arn:aws:sqs:us-east-1:1:q"],
            False,
        ),
        s("ForAnyValue values OR'd", fy, ["a", "b"], ["b"], True),
        s("context given as a set", fa, ["env", "team"], {"team", "env"}, True),
    ]


def _multi_cases() -> list[Case]:
    ctx = {"aws:SourceAccount": ACCT, "aws:SourceIp": "203.0.113.7"}
    eq = {"aws:SourceAccount": ACCT}
    ipok, ipbad = {"aws:SourceIp": "203.0.113.0/24"}, {"aws:SourceIp": "10.0.0.0/8"}
    return [
        cond(
            "two operators, both hold",
            {"StringEquals": eq, "IpAddress": ipok},
            ctx,
            True,
            source=MULTI_PAGE,
        ),
        cond(
            "two operators, one fails",
            {"StringEquals": eq, "IpAddress": ipbad},
            ctx,
            False,
            source=MULTI_PAGE,
        ),
        cond(
            "two keys under one operator, both hold",
            {"StringEquals": {**eq, "k:v": "x"}},
            {**ctx, "k:v": "x"},
            True,
            source=MULTI_PAGE,
        ),
        cond(
            "two keys under one operator, one fails",
            {"StringEquals": {**eq, "k:v": "x"}},
            {**ctx, "k:v": "y"},
            False,
            source=MULTI_PAGE,
        ),
        cond(
            "two keys, one missing",
            {"StringEquals": {**eq, "k:v": "x"}},
            ctx,
            False,
            source=MULTI_PAGE,
        ),
        cond("empty Condition block holds", {}, {}, True, source=MULTI_PAGE),
    ]


def _variable_cases() -> list[Case]:
    p = "s3:prefix"

    def v(name: str, block: dict[str, Any], ctx: dict[str, Any], holds: bool, **kw: Any) -> Case:
        return cond(name, block, ctx, holds, source=VARIABLES_PAGE, **kw)

    return [
        v(
            "${aws:username} in StringEquals",
            {"StringEquals": {p: "home/${aws:username}/"}},
            {p: "home/alice/"},
            True,
        ),
        v(
            "${aws:username} is the caller's",
            {"StringEquals": {p: "home/${aws:username}/"}},
            {p: "home/bob/"},
            False,
        ),
        v(
            "${aws:username} in StringLike",
            {"StringLike": {p: "home/${aws:username}/*"}},
            {p: "home/alice/docs"},
            True,
        ),
        v(
            "variable key is case-insensitive",
            {"StringEquals": {p: "${AWS:UserName}"}},
            {p: "alice"},
            True,
        ),
        v(
            "default value used when missing",
            {"StringEquals": {p: "${aws:PrincipalTag/team, 'none'}"}},
            {p: "none"},
            True,
        ),
        v(
            "default value not used when present",
            {"StringEquals": {p: "${aws:PrincipalTag/team, 'none'}"}},
            {p: "none", "aws:PrincipalTag/team": "blue"},
            False,
        ),
        v(
            "default with a quoted quote",
            {"StringEquals": {p: "${k:absent, 'it''s'}"}},
            {p: "it's"},
            True,
        ),
        v(
            "missing variable: no match",
            {"StringEquals": {p: "${aws:PrincipalTag/team}"}},
            {p: ""},
            False,
        ),
        v(
            "missing variable under a negated operator",
            {"StringNotEquals": {p: "${aws:PrincipalTag/team}"}},
            {p: "x"},
            True,
        ),
        v(
            "missing variable, other value still OR'd",
            {"StringEquals": {p: ["${k:absent}", "x"]}},
            {p: "x"},
            True,
        ),
        v("${*} is a literal star", {"StringLike": {p: "a${*}"}}, {p: "a*"}, True),
        v("${*} is not a wildcard", {"StringLike": {p: "a${*}"}}, {p: "ab"}, False),
        v("${?} is a literal question mark", {"StringLike": {p: "why${?}"}}, {p: "why?"}, True),
        v("${?} is not a wildcard", {"StringLike": {p: "why${?}"}}, {p: "whyx"}, False),
        v("${$} is a literal dollar", {"StringEquals": {p: "cost${$}"}}, {p: "cost$"}, True),
        v(
            "a value's * stays literal",
            {"StringLike": {p: "${aws:PrincipalTag/x}"}},
            {p: "anything", "aws:PrincipalTag/x": "*"},
            False,
        ),
        v(
            "a multivalued key has no variable value",
            {"StringEquals": {p: "${aws:TagKeys}"}},
            {p: "a", "aws:TagKeys": ["a"]},
            False,
        ),
        v(
            "variables are literal in 2008-10-17",
            {"StringEquals": {p: "${aws:username}"}},
            {p: "alice"},
            False,
            version="2008-10-17",
        ),
        v(
            "2008-10-17 compares the text itself",
            {"StringEquals": {p: "${aws:username}"}},
            {p: "${aws:username}"},
            True,
            version="2008-10-17",
        ),
        v(
            "variable in ArnLike",
            {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
            {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCT}:t"},
            True,
        ),
        v(
            "two variables in one value",
            {"StringEquals": {p: "${aws:PrincipalAccount}/${aws:username}"}},
            {p: f"{ACCT}/alice"},
            True,
        ),
        v(
            "unclosed ${ is plain text",
            {"StringEquals": {p: "${aws:username"}},
            {p: "${aws:username"},
            True,
        ),
    ]


def _action_cases() -> list[Case]:
    def a(name: str, pattern: Any, action: str, ok: bool) -> Case:
        policy = doc(allow(pattern))
        expect = "allow" if ok else "implicit:identity"
        return Case(name, ACTION_PAGE, expect, [policy], action=action)

    return [
        a("exact action", INVOKE, INVOKE, True),
        a("actions are case-insensitive", "LAMBDA:invokefunction", INVOKE, True),
        a("request action case does not matter", INVOKE, "Lambda:INVOKEFUNCTION", True),
        a("service wildcard", "lambda:*", INVOKE, True),
        a("prefix wildcard", "lambda:Get*", "lambda:GetFunction", True),
        a("prefix wildcard, other action", "lambda:Get*", INVOKE, False),
        a("* is every action", "*", "sqs:SendMessage", True),
        a("wildcard at the front of the name", "lambda:*Function", INVOKE, True),
        a("wildcard at the front, no match", "lambda:*Function", "lambda:ListFunctions", False),
        a("two wildcards", "lambda:Get*Config*", "lambda:GetFunctionConfiguration", True),
        a("? matches one character", "lambda:?nvokeFunction", INVOKE, True),
        a("? does not match many", "lambda:Invoke?", INVOKE, False),
        a("other service", "sqs:*", INVOKE, False),
        a("a list of actions", ["sqs:SendMessage", INVOKE], INVOKE, True),
        a("no prefix match without *", INVOKE, "lambda:InvokeFunctionUrl", False),
        a("* in the service part", "*:InvokeFunction", INVOKE, True),
        a("case-insensitive wildcard", "LAMBDA:GET*", "lambda:getfunction", True),
        Case(
            "NotAction allows what it does not list",
            NOTACTION_PAGE,
            "allow",
            [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
        ),
        Case(
            "NotAction does not allow what it lists",
            NOTACTION_PAGE,
            "implicit:identity",
            [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
            action="iam:CreateUser",
        ),
        Case(
            "NotAction with a list",
            NOTACTION_PAGE,
            "implicit:identity",
            [doc({"Effect": "Allow", "NotAction": ["sqs:*", "lambda:Invoke*"], "Resource": "*"})],
        ),
        Case(
            "Deny NotAction denies the unlisted",
            NOTACTION_PAGE,
            "deny:identity",
            [doc(allow(), {"Effect": "Deny", "NotAction": "lambda:Invoke*", "Resource": "*"})],
            action="lambda:CreateFunction",
        ),
        Case(
            "Deny NotAction spares the listed",
            NOTACTION_PAGE,
            "allow",
            [doc(allow(), {"Effect": "Deny", "NotAction": "lambda:Invoke*", "Resource": "*"})],
        ),
        Case(
            "Deny NotAction is case-insensitive",
            NOTACTION_PAGE,
            "allow",
            [doc(allow(), {"Effect": "Deny", "NotAction": "LAMBDA:GET*", "Resource": "*"})],
            action="lambda:GetFunction",
        ),
        Case(
            "Deny NotAction with a resource limits the deny",
            NOTACTION_PAGE,
            "allow",
            [
                doc(
                    allow(),
                    {"Effect": "Deny", "NotAction": "lambda:Get*", "Resource": FN + "-secret"},
                )
            ],
            action="lambda:DeleteFunction",
        ),
    ]


def _resource_cases() -> list[Case]:
    base = f"arn:aws:lambda:us-east-1:{ACCT}:function:"

    def r(name: str, pattern: Any, resource: str, ok: bool, **kw: Any) -> Case:
        version = kw.pop("version", "2012-10-17")
        policy = doc(allow(INVOKE, pattern), version=version)
        return Case(
            name,
            kw.pop("source", RESOURCE_PAGE),
            "allow" if ok else "implicit:identity",
            [policy],
            resource=resource,
            **kw,
        )

    not_res = {"Effect": "Allow", "Action": "*", "NotResource": base + "secret"}
    deny_not = {"Effect": "Deny", "Action": "*", "NotResource": base + "public-*"}
    return [
        r("exact resource", FN, FN, True),
        r("other resource", FN, base + "other", False),
        r("* is every resource", "*", FN, True),
        r("trailing * within the name", base + "*", FN, True),
        r("trailing * expands past a colon", base + "*", FN + ":PROD", True),
        r("no * means no qualifier", FN, FN + ":PROD", False),
        r(
            "* in the region segment",
            f"arn:aws:lambda:*:{ACCT}:function:my-fn",
            f"arn:aws:lambda:us-west-2:{ACCT}:function:my-fn",
            True,
        ),
        r("* in the account segment", "arn:aws:lambda:us-east-1:*:function:my-fn", FN, True),
        r("wildcard in the middle", base + "my-*-prod", base + "my-api-prod", True),
        r("wildcard in the middle, no match", base + "my-*-prod", base + "my-api-dev", False),
        r("? is one character", base + "fn-?", base + "fn-1", True),
        r("? is only one character", base + "fn-?", base + "fn-12", False),
        r("resources are case-sensitive", base + "My-Fn", FN, False),
        r(
            "resource-type case matters",
            f"arn:aws:lambda:us-east-1:{ACCT}:Function:my-fn",
            FN,
            False,
        ),
        r("* at the end of a segment spans segments", "arn:aws:lambda:*", FN, True),
        r("* spans /", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", True),
        r("bucket ARN is not its objects", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a", False),
        r("a list, one matches", [base + "a", FN], FN, True),
        r("a list, none matches", [base + "a", base + "b"], FN, False),
        r("other service's ARN", f"arn:aws:sqs:us-east-1:{ACCT}:my-fn", FN, False),
        r(
            "${aws:username} in the resource",
            base + "${aws:username}-*",
            base + "alice-fn",
            True,
            source=VARIABLES_PAGE,
        ),
        r(
            "${aws:username} is the caller's name",
            base + "${aws:username}-*",
            base + "bob-fn",
            False,
            source=VARIABLES_PAGE,
        ),
        r(
            "no value for the variable: no match",
            base + "${aws:username}-*",
            base + "-fn",
            False,
            source=VARIABLES_PAGE,
            principal=SESSION,
        ),
        r(
            "the variable's default",
            base + "${aws:username, 'shared'}-*",
            base + "shared-fn",
            True,
            source=VARIABLES_PAGE,
            principal=SESSION,
        ),
        r(
            "resource variables are literal in 2008-10-17",
            base + "${aws:username}",
            base + "alice",
            False,
            source=VARIABLES_PAGE,
            version="2008-10-17",
        ),
        r(
            "${*} in a resource is a literal *",
            "arn:aws:s3:::b/${*}",
            "arn:aws:s3:::b/x",
            False,
            source=VARIABLES_PAGE,
        ),
        r(
            "${*} matches a literal *",
            "arn:aws:s3:::b/${*}",
            "arn:aws:s3:::b/*",
            True,
            source=VARIABLES_PAGE,
        ),
        r(
            "variable from the context",
            "arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
            "arn:aws:s3:::b/blue/x",
            True,
            source=VARIABLES_PAGE,
            context={"aws:PrincipalTag/team": "blue"},
        ),
        Case("NotResource allows what it does not list", NOTRESOURCE_PAGE, "allow", [doc(not_res)]),
        Case(
            "NotResource does not allow what it lists",
            NOTRESOURCE_PAGE,
            "implicit:identity",
            [doc(not_res)],
            resource=base + "secret",
        ),
        Case(
            "Deny NotResource denies the unlisted",
            NOTRESOURCE_PAGE,
            "deny:identity",
            [doc(allow(), deny_not)],
            resource=base + "private",
        ),
        Case(
            "Deny NotResource spares the listed",
            NOTRESOURCE_PAGE,
            "allow",
            [doc(allow(), deny_not)],
            resource=base + "public-api",
        ),
        Case(
            "NotResource with NotAction",
            NOTRESOURCE_PAGE,
            "deny:identity",
            [
                doc(
                    allow(),
                    {
                        "Effect": "Deny",
                        "NotAction": "lambda:Get*",
                        "NotResource": base + "public-*",
                    },
                )
            ],
            resource=base + "private",
        ),
        Case(
            "NotResource with NotAction, listed action",
            NOTRESOURCE_PAGE,
            "allow",
            [
                doc(
                    allow(),
                    {
                        "Effect": "Deny",
                        "NotAction": "lambda:Get*",
                        "NotResource": base + "public-*",
                    },
                )
            ],
            action="lambda:GetFunction",
            resource=base + "private",
        ),
    ]


def _logic_cases() -> list[Case]:
    allow_invoke = doc(allow(INVOKE, FN))
    deny_invoke = doc(deny(INVOKE, FN))
    L, S = LOGIC_PAGE, SINGLE_PAGE
    return [
        Case("no policy at all: implicit deny", L, "implicit:identity"),
        Case("an identity allow", L, "allow", [allow_invoke]),
        Case("allow and deny in one policy", L, "deny:identity", [doc(allow(), deny(INVOKE, FN))]),
        Case(
            "deny after allow in the statement list",
            L,
            "deny:identity",
            [doc(allow(INVOKE, FN), deny())],
        ),
        Case("deny in another policy overrides", L, "deny:identity", [allow_invoke, deny_invoke]),
        Case(
            "deny in the first policy, allow in the second",
            L,
            "deny:identity",
            [deny_invoke, allow_invoke],
        ),
        Case("deny alone is an explicit deny", L, "deny:identity", [deny_invoke]),
        Case(
            "deny of another action does not apply",
            L,
            "allow",
            [allow_invoke, doc(deny("lambda:Delete*"))],
        ),
        Case(
            "deny of another resource does not apply",
            L,
            "allow",
            [allow_invoke, doc(deny("*", FN + "-x"))],
        ),
        Case(
            "deny whose condition fails does not apply",
            L,
            "allow",
            [allow_invoke, doc(deny(Condition={"Bool": {"aws:SecureTransport": "false"}}))],
            context={"aws:SecureTransport": True},
        ),
        Case(
            "deny whose condition holds applies",
            L,
            "deny:identity",
            [allow_invoke, doc(deny(Condition={"Bool": {"aws:SecureTransport": "false"}}))],
            context={"aws:SecureTransport": False},
        ),
        Case(
            "deny with BoolIfExists on a missing key applies",
            L,
            "deny:identity",
            [allow_invoke, doc(deny(Condition={"BoolIfExists": {"aws:SecureTransport": "false"}}))],
        ),
        Case("unmatched deny and no allow: implicit", L, "implicit:identity", [doc(deny("sqs:*"))]),
        Case(
            "allow in the third of three policies",
            L,
            "allow",
            [doc(allow("sqs:*")), doc(allow("s3:*")), allow_invoke],
        ),
        Case(
            "allow of another action only",
            L,
            "implicit:identity",
            [doc(allow("lambda:GetFunction", FN))],
        ),
        Case(
            "allow of another resource only",
            L,
            "implicit:identity",
            [doc(allow(INVOKE, FN + "-other"))],
        ),
        Case(
            "failing conditional allow, unconditional allow",
            L,
            "allow",
            [doc(allow(Condition={"StringEquals": {"k:v": "x"}}), allow(INVOKE, FN))],
        ),
        Case(
            "only a failing conditional allow",
            L,
            "implicit:identity",
            [doc(allow(Condition={"StringEquals": {"k:v": "x"}}))],
        ),
        Case(
            "Statement as a single object",
            L,
            "allow",
            [{"Version": "2012-10-17", "Statement": allow()}],
        ),
        Case("Version 2008-10-17 policy", L, "allow", [doc(allow(), version="2008-10-17")]),
        Case("no Version element", L, "allow", [{"Statement": [allow()]}]),
        Case(
            "a role session uses its identity policies",
            L,
            "allow",
            [allow_invoke],
            principal=SESSION,
        ),
        Case(
            "resource policy alone, same account",
            S,
            "allow",
            resource_policy=doc(grant({"AWS": ALICE})),
        ),
        Case(
            "resource policy names the role, caller its session",
            S,
            "allow",
            resource_policy=doc(grant({"AWS": ROLE})),
            principal=SESSION,
        ),
        Case(
            "resource policy names the session itself",
            S,
            "allow",
            resource_policy=doc(grant({"AWS": SESSION})),
            principal=SESSION,
        ),
        Case(
            "resource policy names someone else",
            S,
            "implicit:identity",
            resource_policy=doc(grant({"AWS": BOB})),
        ),
        Case(
            "resource policy for another action",
            S,
            "implicit:identity",
            resource_policy=doc({**grant({"AWS": ALICE}), "Action": "lambda:GetFunction"}),
        ),
        Case(
            "resource policy for another resource",
            S,
            "implicit:identity",
            resource_policy=doc({**grant({"AWS": ALICE}), "Resource": FN + "-x"}),
        ),
        Case(
            "identity allow, resource policy silent",
            S,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": BOB})),
        ),
        Case(
            "resource deny overrides identity allow",
            S,
            "deny:resource",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": ALICE}, "Deny")),
        ),
        Case(
            "identity deny overrides resource allow",
            S,
            "deny:identity",
            [deny_invoke],
            resource_policy=doc(grant({"AWS": ALICE})),
        ),
        Case(
            "both deny: the identity deny is named",
            S,
            "deny:identity",
            [deny_invoke],
            resource_policy=doc(grant({"AWS": ALICE}, "Deny")),
        ),
        Case(
            "resource deny of another principal",
            S,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": BOB}, "Deny")),
        ),
        Case(
            "resource allow and deny for the caller",
            S,
            "deny:resource",
            resource_policy=doc(grant({"AWS": ALICE}, Sid="a"), grant("*", "Deny", Sid="b")),
        ),
        Case(
            "account principal, same account: needs identity",
            S,
            "implicit:identity",
            resource_policy=doc(grant({"AWS": ACCT})),
        ),
        Case(
            "account principal, same account, identity allows",
            S,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": ACCT})),
        ),
        Case(
            "account root ARN is the account principal",
            S,
            "implicit:identity",
            resource_policy=doc(grant({"AWS": ROOT})),
        ),
        Case(
            "Principal * allows anyone in the account",
            PRINCIPAL_PAGE,
            "allow",
            resource_policy=doc(grant("*")),
        ),
        Case(
            '{"AWS": "*"} is the same as *',
            PRINCIPAL_PAGE,
            "allow",
            resource_policy=doc(grant({"AWS": "*"})),
        ),
        Case(
            "Principal list, caller in it",
            PRINCIPAL_PAGE,
            "allow",
            resource_policy=doc(grant({"AWS": [BOB, ALICE]})),
        ),
        Case(
            "Principal with a resource-policy condition",
            PRINCIPAL_PAGE,
            "allow",
            resource_policy=doc(
                grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCT}})
            ),
        ),
        Case(
            "Principal * with a failing condition",
            PRINCIPAL_PAGE,
            "implicit:identity",
            resource_policy=doc(
                grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
            ),
        ),
        Case("root user: full access in its account", L, "allow", principal=ROOT),
        Case(
            "root user: a resource deny still applies",
            L,
            "deny:resource",
            principal=ROOT,
            resource_policy=doc(grant("*", "Deny")),
        ),
        Case(
            "derived aws:username",
            GLOBAL_KEYS_PAGE,
            "allow",
            [doc(allow(Condition={"StringEquals": {"aws:username": "alice"}}))],
        ),
        Case(
            "derived aws:PrincipalAccount",
            GLOBAL_KEYS_PAGE,
            "allow",
            [doc(allow(Condition={"StringEquals": {"aws:PrincipalAccount": ACCT}}))],
        ),
        Case(
            "aws:PrincipalArn of a session is its role",
            GLOBAL_KEYS_PAGE,
            "allow",
            [
                doc(
                    allow(
                        Condition={
                            "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/admin-*"}
                        }
                    )
                )
            ],
            principal=SESSION,
        ),
        Case(
            "a session has no aws:username",
            GLOBAL_KEYS_PAGE,
            "implicit:identity",
            [doc(allow(Condition={"StringEquals": {"aws:username": "admin-ops"}}))],
            principal=SESSION,
        ),
        Case(
            "aws:SourceIp restricts an allow",
            GLOBAL_KEYS_PAGE,
            "implicit:identity",
            [doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))],
            context={"aws:SourceIp": "192.0.2.1"},
        ),
        Case(
            "aws:CurrentTime window, inside",
            GLOBAL_KEYS_PAGE,
            "allow",
            [
                doc(
                    allow(
                        Condition={
                            "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
                            "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                        }
                    )
                )
            ],
        ),
        Case(
            "aws:CurrentTime window, outside",
            GLOBAL_KEYS_PAGE,
            "implicit:identity",
            [
                doc(
                    allow(
                        Condition={"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}
                    )
                )
            ],
        ),
    ]


def _cross_account_cases() -> list[Case]:
    allow_invoke = doc(allow(INVOKE, FN))
    X = CROSS_PAGE
    xa = {"principal": CAROL}  # carol (account OTHER) calls a function of ACCT
    return [
        Case(
            "cross-account: identity allow only",
            X,
            "implicit:resource",
            [allow_invoke],
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: resource allow only",
            X,
            "implicit:identity",
            resource_policy=doc(grant({"AWS": CAROL})),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: both allow",
            X,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": CAROL})),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: the account is named, identity allows",
            X,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": OTHER})),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: the account is named, no identity",
            X,
            "implicit:identity",
            resource_policy=doc(grant({"AWS": OTHER})),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: another account is named",
            X,
            "implicit:resource",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": "999988887777"})),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: Principal * and identity allow",
            X,
            "allow",
            [allow_invoke],
            resource_policy=doc(grant("*")),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: Principal *, no identity",
            X,
            "implicit:identity",
            resource_policy=doc(grant("*")),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: resource deny",
            X,
            "deny:resource",
            [allow_invoke],
            resource_policy=doc(grant({"AWS": CAROL}, "Deny")),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: identity deny",
            X,
            "deny:identity",
            [doc(deny())],
            resource_policy=doc(grant({"AWS": CAROL})),
            **xa,
            resource_account=ACCT,
        ),
        Case("cross-account: no policies", X, "implicit:identity", **xa, resource_account=ACCT),
        Case(
            "cross-account: root, resource names its account",
            X,
            "allow",
            resource_policy=doc(grant({"AWS": OTHER})),
            principal=OTHER_ROOT,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: root, no resource policy",
            X,
            "implicit:resource",
            principal=OTHER_ROOT,
            resource_account=ACCT,
        ),
        Case(
            "cross-account: aws:SourceAccount condition",
            X,
            "allow",
            [allow_invoke],
            resource_policy=doc(
                grant({"AWS": CAROL}, Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
            ),
            **xa,
            resource_account=ACCT,
        ),
        Case(
            "same account given explicitly",
            SINGLE_PAGE,
            "allow",
            resource_policy=doc(grant({"AWS": ALICE})),
            resource_account=ACCT,
        ),
    ]


def _service_anonymous_cases() -> list[Case]:
    P = PRINCIPAL_PAGE
    sns = "service:sns.amazonaws.com"
    topic = f"arn:aws:sns:us-east-1:{ACCT}:my-topic"
    by_arn = {"ArnLike": {"aws:SourceArn": topic}}
    return [
        Case(
            "service principal allowed",
            P,
            "allow",
            resource_policy=doc(grant({"Service": "sns.amazonaws.com"})),
            principal=sns,
        ),
        Case(
            "service principal names are case-insensitive",
            P,
            "allow",
            resource_policy=doc(grant({"Service": "SNS.amazonaws.com"})),
            principal=sns,
        ),
        Case(
            "service principal in a list",
            P,
            "allow",
            resource_policy=doc(grant({"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]})),
            principal=sns,
        ),
        Case(
            "another service",
            P,
            "implicit:resource",
            resource_policy=doc(grant({"Service": "s3.amazonaws.com"})),
            principal=sns,
        ),
        Case(
            "service with aws:SourceArn, matching",
            P,
            "allow",
            resource_policy=doc(grant({"Service": "sns.amazonaws.com"}, Condition=by_arn)),
            principal=sns,
            context={"aws:SourceArn": topic},
        ),
        Case(
            "service with aws:SourceArn, other topic",
            P,
            "implicit:resource",
            resource_policy=doc(grant({"Service": "sns.amazonaws.com"}, Condition=by_arn)),
            principal=sns,
            context={"aws:SourceArn": topic + "-2"},
        ),
        Case(
            "service with aws:SourceArn missing",
            P,
            "implicit:resource",
            resource_policy=doc(grant({"Service": "sns.amazonaws.com"}, Condition=by_arn)),
            principal=sns,
        ),
        Case(
            "service with aws:SourceAccount",
            P,
            "allow",
            resource_policy=doc(
                grant(
                    {"Service": "sns.amazonaws.com"},
                    Condition={"StringEquals": {"aws:SourceAccount": ACCT}},
                )
            ),
            principal=sns,
            context={"aws:SourceAccount": ACCT},
        ),
        Case("service, no resource policy", P, "implicit:resource", principal=sns),
        Case(
            "service, explicit deny",
            P,
            "deny:resource",
            resource_policy=doc(
                grant({"Service": "sns.amazonaws.com"}, Sid="a"),
                grant({"Service": "sns.amazonaws.com"}, "Deny", Sid="b"),
            ),
            principal=sns,
        ),
        Case(
            "service is not an AWS principal",
            P,
            "implicit:resource",
            resource_policy=doc(grant({"AWS": ACCT})),
            principal=sns,
        ),
        Case(
            "Principal * includes services",
            P,
            "allow",
            resource_policy=doc(grant("*")),
            principal=sns,
        ),
        Case(
            "anonymous with Principal *",
            P,
            "allow",
            resource_policy=doc(grant("*")),
            principal="anonymous",
        ),
        Case(
            "anonymous with {AWS: *}",
            P,
            "allow",
            resource_policy=doc(grant({"AWS": "*"})),
            principal="anonymous",
        ),
        Case(
            "anonymous with an account principal",
            P,
            "implicit:resource",
            resource_policy=doc(grant({"AWS": ACCT})),
            principal="anonymous",
        ),
        Case("anonymous, no resource policy", P, "implicit:resource", principal="anonymous"),
    ]


def _not_principal_cases() -> list[Case]:
    N = NOTPRINCIPAL_PAGE
    everyone = grant("*", Sid="all")

    def rp(names: Any) -> dict[str, Any]:
        except_them = {"Sid": "except", "Effect": "Deny", "NotPrincipal": names}
        return doc(everyone, {**except_them, "Action": INVOKE, "Resource": FN})

    return [
        Case(
            "NotPrincipal: the listed user and account escape",
            N,
            "allow",
            resource_policy=rp({"AWS": [ALICE, ROOT]}),
        ),
        Case(
            "NotPrincipal: others are denied",
            N,
            "deny:resource",
            resource_policy=rp({"AWS": [ALICE, ROOT]}),
            principal=BOB,
        ),
        Case(
            "NotPrincipal: the user without its account is denied",
            N,
            "deny:resource",
            resource_policy=rp({"AWS": ALICE}),
        ),
        Case(
            "NotPrincipal: role and account spare the session",
            N,
            "allow",
            resource_policy=rp({"AWS": [ROLE, ROOT]}),
            principal=SESSION,
        ),
        Case(
            "NotPrincipal: the role alone does not",
            N,
            "deny:resource",
            resource_policy=rp({"AWS": ROLE}),
            principal=SESSION,
        ),
        Case(
            "NotPrincipal: the session and account",
            N,
            "allow",
            resource_policy=rp({"AWS": [SESSION, ROOT]}),
            principal=SESSION,
        ),
        Case(
            "NotPrincipal: the account alone spares its root",
            N,
            "allow",
            resource_policy=rp({"AWS": ACCT}),
            principal=ROOT,
        ),
        Case(
            "NotPrincipal: the account alone does not spare a user",
            N,
            "deny:resource",
            resource_policy=rp({"AWS": ACCT}),
        ),
        Case(
            "NotPrincipal: a service escapes",
            N,
            "allow",
            resource_policy=rp({"Service": "sns.amazonaws.com"}),
            principal="service:sns.amazonaws.com",
        ),
        Case(
            "NotPrincipal: a service list denies users",
            N,
            "deny:resource",
            resource_policy=rp({"Service": "sns.amazonaws.com"}),
        ),
        Case(
            "NotPrincipal: cross-account user and account escape",
            N,
            "allow",
            [doc(allow())],
            resource_policy=rp({"AWS": [CAROL, OTHER]}),
            principal=CAROL,
            resource_account=ACCT,
        ),
        Case(
            "NotPrincipal: anonymous is denied",
            N,
            "deny:resource",
            resource_policy=rp({"AWS": [ALICE, ROOT]}),
            principal="anonymous",
        ),
    ]


def all_cases() -> list[Case]:
    return [
        *_string_cases(),
        *_numeric_cases(),
        *_date_cases(),
        *_bool_binary_ip_cases(),
        *_arn_cases(),
        *_null_ifexists_cases(),
        *_missing_key_cases(),
        *_set_cases(),
        *_multi_cases(),
        *_variable_cases(),
        *_action_cases(),
        *_resource_cases(),
        *_logic_cases(),
        *_cross_account_cases(),
        *_service_anonymous_cases(),
        *_not_principal_cases(),
    ]
