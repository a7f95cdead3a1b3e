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
EVALUATION_PAGE = DOCS + "reference_policies_evaluation-logic.html"


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
    resource_kind: str = "resource"  # the PolicyKind of resource_policy ("trust": a role's)


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


string_sa, string_acct = "aws:SourceAccount", {"aws:SourceAccount": ACCT}
STRING_CASES: list[Case] = [
    cond("StringEquals match", {"StringEquals": {string_sa: ACCT}}, string_acct, True),
    cond("StringEquals mismatch", {"StringEquals": {string_sa: OTHER}}, string_acct, False),
    cond(
        "StringEquals is case-sensitive",
        {"StringEquals": {"k:v": "Alice"}},
        {"k:v": "alice"},
        False,
    ),
    cond(
        "StringEquals key name is case-insensitive",
        {"StringEquals": {"AWS:SOURCEACCOUNT": ACCT}},
        string_acct,
        True,
    ),
    cond(
        "StringEquals context key upper-case",
        {"StringEquals": {string_sa: ACCT}},
        {"AWS:SourceACCOUNT": ACCT},
        True,
    ),
    cond("StringEquals missing key is false", {"StringEquals": {string_sa: ACCT}}, {}, False),
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
    cond("StringNotEquals differs", {"StringNotEquals": {string_sa: OTHER}}, string_acct, True),
    cond("StringNotEquals equal", {"StringNotEquals": {string_sa: ACCT}}, string_acct, False),
    cond("StringNotEquals missing key is true", {"StringNotEquals": {string_sa: ACCT}}, {}, True),
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
    cond("StringLike ? matches one", {"StringLike": {"k:v": "topic-?"}}, {"k:v": "topic-1"}, True),
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
    cond("StringLike prefix mismatch", {"StringLike": {"k:v": "dev-*"}}, {"k:v": "prod-x"}, False),
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


numeric_n = "s3:max-keys"


def numeric_num(op: str, policy: Any, value: Any, holds: bool) -> Case:
    return cond(f"{op} {policy} vs {value}", {op: {numeric_n: policy}}, {numeric_n: value}, holds)


NUMERIC_CASES: list[Case] = [
    numeric_num("NumericEquals", "10", "10", True),
    numeric_num("NumericEquals", "10", "10.0", True),
    numeric_num("NumericEquals", "10", "11", False),
    numeric_num("NumericEquals", "10", "ten", False),
    cond(
        "NumericEquals with JSON numbers",
        {"NumericEquals": {numeric_n: 10}},
        {numeric_n: 10.0},
        True,
    ),
    numeric_num("NumericNotEquals", "10", "11", True),
    numeric_num("NumericNotEquals", "10", "10", False),
    numeric_num("NumericNotEquals", ["10", "11"], "11", False),
    numeric_num("NumericLessThan", "10", "9", True),
    numeric_num("NumericLessThan", "10", "10", False),
    numeric_num("NumericLessThan", "10", "11", False),
    numeric_num("NumericLessThan", "-1.5", "-2", True),
    numeric_num("NumericLessThan", 10, 5, True),
    numeric_num("NumericLessThanEquals", "10", "10", True),
    numeric_num("NumericLessThanEquals", "10", "11", False),
    numeric_num("NumericGreaterThan", "10", "11", True),
    numeric_num("NumericGreaterThan", "10", "10", False),
    numeric_num("NumericGreaterThan", "0.5", "0.75", True),
    numeric_num("NumericGreaterThanEquals", "10", "10", True),
    numeric_num("NumericGreaterThanEquals", "10", "9", False),
    numeric_num("NumericGreaterThanEquals", ["100", "5"], "6", True),
    cond("NumericLessThan missing key", {"NumericLessThan": {numeric_n: "10"}}, {}, False),
    cond("NumericNotEquals missing key", {"NumericNotEquals": {numeric_n: "10"}}, {}, True),
]


date_t = "aws:CurrentTime"
date_now = {date_t: NOW}


def date_date(op: str, policy: Any, holds: bool, context: dict[str, Any] = date_now) -> Case:
    return cond(f"{op} {policy}", {op: {date_t: policy}}, context, holds)


DATE_CASES: list[Case] = [
    date_date("DateLessThan", "2030-01-01T00:00:00Z", True),
    date_date("DateLessThan", "2020-01-01T00:00:00Z", False),
    date_date("DateLessThan", NOW, False),
    date_date("DateLessThanEquals", NOW, True),
    date_date("DateGreaterThan", "2020-01-01T00:00:00Z", True),
    date_date("DateGreaterThan", NOW, False),
    date_date("DateGreaterThanEquals", NOW, True),
    date_date("DateEquals", NOW, True),
    date_date("DateEquals", "1796126400", True),  # epoch seconds
    date_date("DateEquals", "2026-12-01T13:00:00+01:00", True),  # an offset
    date_date("DateEquals", "2026-12-01T12:00:01Z", False),
    date_date("DateNotEquals", NOW, False),
    date_date("DateNotEquals", "2026-12-01T12:00:01Z", True),
    date_date("DateGreaterThan", "2026-12-01", True),  # a date alone is midnight UTC
    date_date("DateLessThan", "2026-12-02", True),
    date_date("DateGreaterThan", "2026-12-01T12:00:00.500Z", False),  # fractions count
    date_date("DateLessThan", "1796126401", True),
    date_date("DateLessThan", "1767225600", False),
    cond(
        "DateGreaterThan, request time in epoch seconds",
        {"DateGreaterThan": {date_t: "2026-06-01T00:00:00Z"}},
        {date_t: "1796126400"},
        True,
        now=None,
    ),
    cond(
        "DateLessThan on a missing aws:CurrentTime",
        {"DateLessThan": {date_t: "2030-01-01"}},
        {},
        False,
        now=None,
    ),
    cond(
        "DateNotEquals on a missing aws:CurrentTime",
        {"DateNotEquals": {date_t: NOW}},
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


bool_binary_ip_st, bool_binary_ip_ip = "aws:SecureTransport", "aws:SourceIp"
bool_binary_ip_bits = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="  # base64 of b"BinaryValueInBase64"
BOOL_BINARY_IP_CASES: list[Case] = [
    cond(
        "Bool true vs true", {"Bool": {bool_binary_ip_st: "true"}}, {bool_binary_ip_st: True}, True
    ),
    cond(
        "Bool true vs false",
        {"Bool": {bool_binary_ip_st: "true"}},
        {bool_binary_ip_st: False},
        False,
    ),
    cond(
        "Bool false vs false",
        {"Bool": {bool_binary_ip_st: "false"}},
        {bool_binary_ip_st: False},
        True,
    ),
    cond("Bool JSON true", {"Bool": {bool_binary_ip_st: True}}, {bool_binary_ip_st: True}, True),
    cond("Bool missing key", {"Bool": {bool_binary_ip_st: "true"}}, {}, False),
    cond(
        "Bool string context",
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"aws:MultiFactorAuthPresent": "true"},
        True,
    ),
    cond("BoolIfExists missing key", {"BoolIfExists": {bool_binary_ip_st: "false"}}, {}, True),
    cond(
        "BoolIfExists present, false",
        {"BoolIfExists": {bool_binary_ip_st: "true"}},
        {bool_binary_ip_st: False},
        False,
    ),
    cond(
        "BinaryEquals match",
        {"BinaryEquals": {"k:bin": bool_binary_ip_bits}},
        {"k:bin": b"BinaryValueInBase64"},
        True,
    ),
    cond(
        "BinaryEquals mismatch",
        {"BinaryEquals": {"k:bin": bool_binary_ip_bits}},
        {"k:bin": b"other"},
        False,
    ),
    cond("BinaryEquals missing", {"BinaryEquals": {"k:bin": bool_binary_ip_bits}}, {}, False),
    cond(
        "IpAddress in CIDR",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.0/24"}},
        {bool_binary_ip_ip: "203.0.113.7"},
        True,
    ),
    cond(
        "IpAddress outside CIDR",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.0/24"}},
        {bool_binary_ip_ip: "198.51.100.1"},
        False,
    ),
    cond(
        "IpAddress single address",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.7"}},
        {bool_binary_ip_ip: "203.0.113.7"},
        True,
    ),
    cond(
        "IpAddress single address, other",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.7"}},
        {bool_binary_ip_ip: "203.0.113.8"},
        False,
    ),
    cond(
        "IpAddress /32",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.7/32"}},
        {bool_binary_ip_ip: "203.0.113.7"},
        True,
    ),
    cond(
        "IpAddress 0.0.0.0/0",
        {"IpAddress": {bool_binary_ip_ip: "0.0.0.0/0"}},
        {bool_binary_ip_ip: "8.8.8.8"},
        True,
    ),
    cond(
        "IpAddress IPv6 in",
        {"IpAddress": {bool_binary_ip_ip: "2001:DB8:1234:5678::/64"}},
        {bool_binary_ip_ip: "2001:db8:1234:5678::1"},
        True,
    ),
    cond(
        "IpAddress IPv6 out",
        {"IpAddress": {bool_binary_ip_ip: "2001:DB8:1234:5678::/64"}},
        {bool_binary_ip_ip: "2001:db8:1234:9999::1"},
        False,
    ),
    cond(
        "IpAddress IPv4 request, IPv6 range",
        {"IpAddress": {bool_binary_ip_ip: "2001:DB8::/32"}},
        {bool_binary_ip_ip: "203.0.113.7"},
        False,
    ),
    cond(
        "IpAddress v4 and v6 values OR'd",
        {"IpAddress": {bool_binary_ip_ip: ["203.0.113.0/24", "2001:DB8::/32"]}},
        {bool_binary_ip_ip: "2001:db8::5"},
        True,
    ),
    cond(
        "IpAddress host bits set in policy",
        {"IpAddress": {bool_binary_ip_ip: "203.0.113.9/24"}},
        {bool_binary_ip_ip: "203.0.113.200"},
        True,
    ),
    cond("IpAddress missing key", {"IpAddress": {bool_binary_ip_ip: "0.0.0.0/0"}}, {}, False),
    cond(
        "IpAddress malformed request value",
        {"IpAddress": {bool_binary_ip_ip: "0.0.0.0/0"}},
        {bool_binary_ip_ip: "not-an-ip"},
        False,
    ),
    cond(
        "NotIpAddress inside",
        {"NotIpAddress": {bool_binary_ip_ip: "203.0.113.0/24"}},
        {bool_binary_ip_ip: "203.0.113.7"},
        False,
    ),
    cond(
        "NotIpAddress outside",
        {"NotIpAddress": {bool_binary_ip_ip: "203.0.113.0/24"}},
        {bool_binary_ip_ip: "198.51.100.1"},
        True,
    ),
    cond(
        "NotIpAddress missing key",
        {"NotIpAddress": {bool_binary_ip_ip: "203.0.113.0/24"}},
        {},
        True,
    ),
    cond(
        "NotIpAddress values NOR'd",
        {"NotIpAddress": {bool_binary_ip_ip: ["10.0.0.0/8", "203.0.113.0/24"]}},
        {bool_binary_ip_ip: "203.0.113.7"},
        False,
    ),
]


arn_sa = "aws:SourceArn"
arn_topic = {arn_sa: f"arn:aws:sns:us-east-1:{ACCT}:my-topic"}
ARN_CASES: list[Case] = [
    cond(
        "ArnLike * in resource part",
        {"ArnLike": {arn_sa: f"arn:aws:sns:us-east-1:{ACCT}:*"}},
        arn_topic,
        True,
    ),
    cond(
        "ArnLike * in region",
        {"ArnLike": {arn_sa: f"arn:aws:sns:*:{ACCT}:my-topic"}},
        arn_topic,
        True,
    ),
    cond(
        "ArnLike ? in account",
        {"ArnLike": {arn_sa: "arn:aws:sns:us-east-1:11112222333?:my-topic"}},
        arn_topic,
        True,
    ),
    cond(
        "ArnLike wrong account", {"ArnLike": {arn_sa: f"arn:aws:sns:*:{OTHER}:*"}}, arn_topic, False
    ),
    cond(
        "ArnLike * does not cross segments",
        {"ArnLike": {arn_sa: "arn:aws:sns:us-east-1:*"}},
        arn_topic,
        False,
    ),
    cond(
        "StringLike * crosses segments",
        {"StringLike": {arn_sa: "arn:aws:sns:us-east-1:*"}},
        arn_topic,
        True,
    ),
    cond(
        "ArnLike resource part keeps its colons",
        {"ArnLike": {arn_sa: f"arn:aws:lambda:us-east-1:{ACCT}:function:*"}},
        {arn_sa: FN + ":PROD"},
        True,
    ),
    cond(
        "ArnLike is case-sensitive",
        {"ArnLike": {arn_sa: f"arn:aws:sns:us-east-1:{ACCT}:My-Topic"}},
        arn_topic,
        False,
    ),
    cond(
        "ArnLike value not an ARN",
        {"ArnLike": {arn_sa: "arn:aws:sns:*:*:*"}},
        {arn_sa: "my-topic"},
        False,
    ),
    cond("ArnEquals exact", {"ArnEquals": {arn_sa: arn_topic[arn_sa]}}, arn_topic, True),
    cond(
        "ArnEquals takes wildcards too",
        {"ArnEquals": {arn_sa: "arn:aws:sns:*:*:my-*"}},
        arn_topic,
        True,
    ),
    cond(
        "ArnEquals mismatch",
        {"ArnEquals": {arn_sa: f"arn:aws:sns:us-east-1:{ACCT}:other"}},
        arn_topic,
        False,
    ),
    cond("ArnLike missing key", {"ArnLike": {arn_sa: "arn:aws:sns:*:*:*"}}, {}, False),
    cond(
        "ArnNotLike matching", {"ArnNotLike": {arn_sa: f"arn:aws:sns:*:{ACCT}:*"}}, arn_topic, False
    ),
    cond(
        "ArnNotLike not matching",
        {"ArnNotLike": {arn_sa: f"arn:aws:sns:*:{OTHER}:*"}},
        arn_topic,
        True,
    ),
    cond("ArnNotLike missing key", {"ArnNotLike": {arn_sa: "arn:aws:sns:*:*:*"}}, {}, True),
    cond("ArnNotEquals equal", {"ArnNotEquals": {arn_sa: arn_topic[arn_sa]}}, arn_topic, False),
    cond(
        "ArnNotEquals differs",
        {"ArnNotEquals": {arn_sa: f"arn:aws:sns:us-east-1:{ACCT}:x"}},
        arn_topic,
        True,
    ),
    cond("ArnNotEquals missing key", {"ArnNotEquals": {arn_sa: arn_topic[arn_sa]}}, {}, True),
    cond(
        "ArnLike on aws:PrincipalArn (derived)",
        {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:user/*"}},
        {},
        True,
        source=GLOBAL_KEYS_PAGE,
    ),
]


null_ifexists_tk = "aws:TokenIssueTime"
NULL_IFEXISTS_CASES: list[Case] = [
    cond("Null true, key absent", {"Null": {null_ifexists_tk: "true"}}, {}, True),
    cond(
        "Null true, key present",
        {"Null": {null_ifexists_tk: "true"}},
        {null_ifexists_tk: NOW},
        False,
    ),
    cond(
        "Null false, key present",
        {"Null": {null_ifexists_tk: "false"}},
        {null_ifexists_tk: NOW},
        True,
    ),
    cond("Null false, key absent", {"Null": {null_ifexists_tk: "false"}}, {}, False),
    cond("Null JSON true", {"Null": {null_ifexists_tk: True}}, {}, True),
    cond(
        "Null both values OR'd",
        {"Null": {null_ifexists_tk: ["true", "false"]}},
        {null_ifexists_tk: NOW},
        True,
    ),
    cond(
        "Null key name case-insensitive",
        {"Null": {"AWS:TOKENISSUETIME": "false"}},
        {null_ifexists_tk: NOW},
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
    cond("StringNotEqualsIfExists missing", {"StringNotEqualsIfExists": {"k:v": "a"}}, {}, True),
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
    cond("NumericLessThanIfExists missing", {"NumericLessThanIfExists": {"k:n": "10"}}, {}, True),
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


set_tk = "aws:TagKeys"


def set_s(name: str, op: str, policy: Any, context: Any, holds: bool) -> Case:
    ctx = {} if context is None else {set_tk: context}
    return cond(name, {op: {set_tk: policy}}, ctx, holds, source=MULTI_PAGE)


set_fa, set_fy = "ForAllValues:StringEquals", "ForAnyValue:StringEquals"
SET_CASES: list[Case] = [
    set_s("ForAllValues all in the set", set_fa, ["env", "team", "cost"], ["env", "team"], True),
    set_s("ForAllValues one outside", set_fa, ["env", "team"], ["env", "owner"], False),
    set_s("ForAllValues on an empty set is true", set_fa, ["env"], [], True),
    set_s("ForAllValues on a missing key is true", set_fa, ["env"], None, True),
    set_s("ForAllValues single value", set_fa, ["env"], ["env"], True),
    set_s("ForAnyValue one in the set", set_fy, ["env"], ["env", "owner"], True),
    set_s("ForAnyValue none in the set", set_fy, ["env"], ["owner", "team"], False),
    set_s("ForAnyValue on an empty set is false", set_fy, ["env"], [], False),
    set_s("ForAnyValue on a missing key is false", set_fy, ["env"], None, False),
    set_s(
        "ForAllValues:StringLike all match",
        "ForAllValues:StringLike",
        ["env-*"],
        ["env-a", "env-b"],
        True,
    ),
    set_s(
        "ForAllValues:StringLike one does not",
        "ForAllValues:StringLike",
        ["env-*"],
        ["env-a", "x"],
        False,
    ),
    set_s(
        "ForAnyValue:StringLike one matches",
        "ForAnyValue:StringLike",
        ["env-*"],
        ["x", "env-a"],
        True,
    ),
    set_s(
        "ForAnyValue:StringNotEquals one differs",
        "ForAnyValue:StringNotEquals",
        ["env"],
        ["env", "owner"],
        True,
    ),
    set_s(
        "ForAnyValue:StringNotEquals all equal",
        "ForAnyValue:StringNotEquals",
        ["env"],
        ["env"],
        False,
    ),
    set_s(
        "ForAllValues:StringNotEquals none listed",
        "ForAllValues:StringNotEquals",
        ["secret"],
        ["env", "team"],
        True,
    ),
    set_s(
        "ForAllValues:StringNotEquals one listed",
        "ForAllValues:StringNotEquals",
        ["secret"],
        ["env", "secret"],
        False,
    ),
    set_s(
        "ForAllValues:StringEqualsIgnoreCase",
        "ForAllValues:StringEqualsIgnoreCase",
        ["env"],
        ["ENV", "Env"],
        True,
    ),
    set_s(
        "ForAnyValue:StringEqualsIfExists missing",
        "ForAnyValue:StringEqualsIfExists",
        ["env"],
        None,
        True,
    ),
    set_s(
        "ForAllValues:StringEqualsIfExists missing",
        "ForAllValues:StringEqualsIfExists",
        ["env"],
        None,
        True,
    ),
    set_s(
        "ForAnyValue:StringEqualsIfExists present, none",
        "ForAnyValue:StringEqualsIfExists",
        ["env"],
        ["x"],
        False,
    ),
    set_s(
        "unqualified StringEquals on a multivalued key (any)",
        "StringEquals",
        "team",
        ["env", "team"],
        True,
    ),
    set_s(
        "unqualified StringNotEquals on a multivalued key",
        "StringNotEquals",
        "team",
        ["env", "team"],
        False,
    ),
    set_s(
        "unqualified StringNotEquals, none listed",
        "StringNotEquals",
        "x",
        ["env", "team"],
        True,
    ),
    set_s(
        "ForAnyValue:NumericGreaterThan",
        "ForAnyValue:NumericGreaterThan",
        "5",
        ["1", "9"],
        True,
    ),
    set_s(
        "ForAllValues:NumericGreaterThan",
        "ForAllValues:NumericGreaterThan",
        "5",
        ["1", "9"],
        False,
    ),
    set_s(
        "ForAnyValue:IpAddress",
        "ForAnyValue:IpAddress",
        "10.0.0.0/8",
        ["192.0.2.1", "10.1.2.3"],
        True,
    ),
    set_s(
        "ForAllValues:ArnLike",
        "ForAllValues:ArnLike",
        "arn:aws:sns:*:*:*",
        ["arn:aws:sns:us-east-1:1:t", "arn:aws:sqs:us-east-1:1:q"],
        False,
    ),
    set_s("ForAnyValue values OR'd", set_fy, ["a", "b"], ["b"], True),
    set_s("context given as a set", set_fa, ["env", "team"], {"team", "env"}, True),
]


multi_ctx = {"aws:SourceAccount": ACCT, "aws:SourceIp": "203.0.113.7"}
multi_eq = {"aws:SourceAccount": ACCT}
multi_ipok, multi_ipbad = {"aws:SourceIp": "203.0.113.0/24"}, {"aws:SourceIp": "10.0.0.0/8"}
MULTI_CASES: list[Case] = [
    cond(
        "two operators, both hold",
        {"StringEquals": multi_eq, "IpAddress": multi_ipok},
        multi_ctx,
        True,
        source=MULTI_PAGE,
    ),
    cond(
        "two operators, one fails",
        {"StringEquals": multi_eq, "IpAddress": multi_ipbad},
        multi_ctx,
        False,
        source=MULTI_PAGE,
    ),
    cond(
        "two keys under one operator, both hold",
        {"StringEquals": {**multi_eq, "k:v": "x"}},
        {**multi_ctx, "k:v": "x"},
        True,
        source=MULTI_PAGE,
    ),
    cond(
        "two keys under one operator, one fails",
        {"StringEquals": {**multi_eq, "k:v": "x"}},
        {**multi_ctx, "k:v": "y"},
        False,
        source=MULTI_PAGE,
    ),
    cond(
        "two keys, one missing",
        {"StringEquals": {**multi_eq, "k:v": "x"}},
        multi_ctx,
        False,
        source=MULTI_PAGE,
    ),
    cond("empty Condition block holds", {}, {}, True, source=MULTI_PAGE),
]


variable_p = "s3:prefix"


def variable_v(
    name: str, block: dict[str, Any], ctx: dict[str, Any], holds: bool, **kw: Any
) -> Case:
    return cond(name, block, ctx, holds, source=VARIABLES_PAGE, **kw)


VARIABLE_CASES: list[Case] = [
    variable_v(
        "${aws:username} in StringEquals",
        {"StringEquals": {variable_p: "home/${aws:username}/"}},
        {variable_p: "home/alice/"},
        True,
    ),
    variable_v(
        "${aws:username} is the caller's",
        {"StringEquals": {variable_p: "home/${aws:username}/"}},
        {variable_p: "home/bob/"},
        False,
    ),
    variable_v(
        "${aws:username} in StringLike",
        {"StringLike": {variable_p: "home/${aws:username}/*"}},
        {variable_p: "home/alice/docs"},
        True,
    ),
    variable_v(
        "variable key is case-insensitive",
        {"StringEquals": {variable_p: "${AWS:UserName}"}},
        {variable_p: "alice"},
        True,
    ),
    variable_v(
        "default value used when missing",
        {"StringEquals": {variable_p: "${aws:PrincipalTag/team, 'none'}"}},
        {variable_p: "none"},
        True,
    ),
    variable_v(
        "default value not used when present",
        {"StringEquals": {variable_p: "${aws:PrincipalTag/team, 'none'}"}},
        {variable_p: "none", "aws:PrincipalTag/team": "blue"},
        False,
    ),
    variable_v(
        "default with a quoted quote",
        {"StringEquals": {variable_p: "${k:absent, 'it''s'}"}},
        {variable_p: "it's"},
        True,
    ),
    variable_v(
        "missing variable: no match",
        {"StringEquals": {variable_p: "${aws:PrincipalTag/team}"}},
        {variable_p: ""},
        False,
    ),
    variable_v(
        "missing variable under a negated operator",
        {"StringNotEquals": {variable_p: "${aws:PrincipalTag/team}"}},
        {variable_p: "x"},
        True,
    ),
    variable_v(
        "missing variable, other value still OR'd",
        {"StringEquals": {variable_p: ["${k:absent}", "x"]}},
        {variable_p: "x"},
        True,
    ),
    variable_v(
        "${*} is a literal star", {"StringLike": {variable_p: "a${*}"}}, {variable_p: "a*"}, True
    ),
    variable_v(
        "${*} is not a wildcard", {"StringLike": {variable_p: "a${*}"}}, {variable_p: "ab"}, False
    ),
    variable_v(
        "${?} is a literal question mark",
        {"StringLike": {variable_p: "why${?}"}},
        {variable_p: "why?"},
        True,
    ),
    variable_v(
        "${?} is not a wildcard",
        {"StringLike": {variable_p: "why${?}"}},
        {variable_p: "whyx"},
        False,
    ),
    variable_v(
        "${$} is a literal dollar",
        {"StringEquals": {variable_p: "cost${$}"}},
        {variable_p: "cost$"},
        True,
    ),
    variable_v(
        "a value's * stays literal",
        {"StringLike": {variable_p: "${aws:PrincipalTag/x}"}},
        {variable_p: "anything", "aws:PrincipalTag/x": "*"},
        False,
    ),
    variable_v(
        "a multivalued key has no variable value",
        {"StringEquals": {variable_p: "${aws:TagKeys}"}},
        {variable_p: "a", "aws:TagKeys": ["a"]},
        False,
    ),
    variable_v(
        "variables are literal in 2008-10-17",
        {"StringEquals": {variable_p: "${aws:username}"}},
        {variable_p: "alice"},
        False,
        version="2008-10-17",
    ),
    variable_v(
        "2008-10-17 compares the text itself",
        {"StringEquals": {variable_p: "${aws:username}"}},
        {variable_p: "${aws:username}"},
        True,
        version="2008-10-17",
    ),
    variable_v(
        "variable in ArnLike",
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
        {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCT}:t"},
        True,
    ),
    variable_v(
        "two variables in one value",
        {"StringEquals": {variable_p: "${aws:PrincipalAccount}/${aws:username}"}},
        {variable_p: f"{ACCT}/alice"},
        True,
    ),
    variable_v(
        "unclosed ${ is plain text",
        {"StringEquals": {variable_p: "${aws:username"}},
        {variable_p: "${aws:username"},
        True,
    ),
]


def action_a(name: str, pattern: Any, action: str, ok: bool) -> Case:
    policy = doc(allow(pattern))
    expect = "allow" if ok else "implicit:identity"
    return Case(name, ACTION_PAGE, expect, [policy], action=action)


ACTION_CASES: list[Case] = [
    action_a("exact action", INVOKE, INVOKE, True),
    action_a("actions are case-insensitive", "LAMBDA:invokefunction", INVOKE, True),
    action_a("request action case does not matter", INVOKE, "Lambda:INVOKEFUNCTION", True),
    action_a("service wildcard", "lambda:*", INVOKE, True),
    action_a("prefix wildcard", "lambda:Get*", "lambda:GetFunction", True),
    action_a("prefix wildcard, other action", "lambda:Get*", INVOKE, False),
    action_a("* is every action", "*", "sqs:SendMessage", True),
    action_a("wildcard at the front of the name", "lambda:*Function", INVOKE, True),
    action_a("wildcard at the front, no match", "lambda:*Function", "lambda:ListFunctions", False),
    action_a("two wildcards", "lambda:Get*Config*", "lambda:GetFunctionConfiguration", True),
    action_a("? matches one character", "lambda:?nvokeFunction", INVOKE, True),
    action_a("? does not match many", "lambda:Invoke?", INVOKE, False),
    action_a("other service", "sqs:*", INVOKE, False),
    action_a("a list of actions", ["sqs:SendMessage", INVOKE], INVOKE, True),
    action_a("no prefix match without *", INVOKE, "lambda:InvokeFunctionUrl", False),
    action_a("* in the service part", "*:InvokeFunction", INVOKE, True),
    action_a("case-insensitive wildcard", "LAMBDA:GET*", "lambda:getfunction", True),
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


resource_base = f"arn:aws:lambda:us-east-1:{ACCT}:function:"


def resource_r(name: str, pattern: Any, resource: str, ok: bool, **kw: Any) -> Case:
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


resource_not_res = {"Effect": "Allow", "Action": "*", "NotResource": resource_base + "secret"}
resource_deny_not = {"Effect": "Deny", "Action": "*", "NotResource": resource_base + "public-*"}
RESOURCE_CASES: list[Case] = [
    resource_r("exact resource", FN, FN, True),
    resource_r("other resource", FN, resource_base + "other", False),
    resource_r("* is every resource", "*", FN, True),
    resource_r("trailing * within the name", resource_base + "*", FN, True),
    resource_r("trailing * expands past a colon", resource_base + "*", FN + ":PROD", True),
    resource_r("no * means no qualifier", FN, FN + ":PROD", False),
    resource_r(
        "* in the region segment",
        f"arn:aws:lambda:*:{ACCT}:function:my-fn",
        f"arn:aws:lambda:us-west-2:{ACCT}:function:my-fn",
        True,
    ),
    resource_r("* in the account segment", "arn:aws:lambda:us-east-1:*:function:my-fn", FN, True),
    resource_r(
        "wildcard in the middle", resource_base + "my-*-prod", resource_base + "my-api-prod", True
    ),
    resource_r(
        "wildcard in the middle, no match",
        resource_base + "my-*-prod",
        resource_base + "my-api-dev",
        False,
    ),
    resource_r("? is one character", resource_base + "fn-?", resource_base + "fn-1", True),
    resource_r("? is only one character", resource_base + "fn-?", resource_base + "fn-12", False),
    resource_r("resources are case-sensitive", resource_base + "My-Fn", FN, False),
    resource_r(
        "resource-type case matters",
        f"arn:aws:lambda:us-east-1:{ACCT}:Function:my-fn",
        FN,
        False,
    ),
    resource_r("* at the end of a segment spans segments", "arn:aws:lambda:*", FN, True),
    resource_r("* spans /", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", True),
    resource_r(
        "bucket ARN is not its objects", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a", False
    ),
    resource_r("a list, one matches", [resource_base + "a", FN], FN, True),
    resource_r("a list, none matches", [resource_base + "a", resource_base + "b"], FN, False),
    resource_r("other service's ARN", f"arn:aws:sqs:us-east-1:{ACCT}:my-fn", FN, False),
    resource_r(
        "${aws:username} in the resource",
        resource_base + "${aws:username}-*",
        resource_base + "alice-fn",
        True,
        source=VARIABLES_PAGE,
    ),
    resource_r(
        "${aws:username} is the caller's name",
        resource_base + "${aws:username}-*",
        resource_base + "bob-fn",
        False,
        source=VARIABLES_PAGE,
    ),
    resource_r(
        "no value for the variable: no match",
        resource_base + "${aws:username}-*",
        resource_base + "-fn",
        False,
        source=VARIABLES_PAGE,
        principal=SESSION,
    ),
    resource_r(
        "the variable's default",
        resource_base + "${aws:username, 'shared'}-*",
        resource_base + "shared-fn",
        True,
        source=VARIABLES_PAGE,
        principal=SESSION,
    ),
    resource_r(
        "resource variables are literal in 2008-10-17",
        resource_base + "${aws:username}",
        resource_base + "alice",
        False,
        source=VARIABLES_PAGE,
        version="2008-10-17",
    ),
    resource_r(
        "${*} in a resource is a literal *",
        "arn:aws:s3:::b/${*}",
        "arn:aws:s3:::b/x",
        False,
        source=VARIABLES_PAGE,
    ),
    resource_r(
        "${*} matches a literal *",
        "arn:aws:s3:::b/${*}",
        "arn:aws:s3:::b/*",
        True,
        source=VARIABLES_PAGE,
    ),
    resource_r(
        "variable from the context",
        "arn:aws:s3:::b/${aws:PrincipalTag/team}/*",
        "arn:aws:s3:::b/blue/x",
        True,
        source=VARIABLES_PAGE,
        context={"aws:PrincipalTag/team": "blue"},
    ),
    Case(
        "NotResource allows what it does not list",
        NOTRESOURCE_PAGE,
        "allow",
        [doc(resource_not_res)],
    ),
    Case(
        "NotResource does not allow what it lists",
        NOTRESOURCE_PAGE,
        "implicit:identity",
        [doc(resource_not_res)],
        resource=resource_base + "secret",
    ),
    Case(
        "Deny NotResource denies the unlisted",
        NOTRESOURCE_PAGE,
        "deny:identity",
        [doc(allow(), resource_deny_not)],
        resource=resource_base + "private",
    ),
    Case(
        "Deny NotResource spares the listed",
        NOTRESOURCE_PAGE,
        "allow",
        [doc(allow(), resource_deny_not)],
        resource=resource_base + "public-api",
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
                    "NotResource": resource_base + "public-*",
                },
            )
        ],
        resource=resource_base + "private",
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
                    "NotResource": resource_base + "public-*",
                },
            )
        ],
        action="lambda:GetFunction",
        resource=resource_base + "private",
    ),
]


logic_allow_invoke = doc(allow(INVOKE, FN))
logic_deny_invoke = doc(deny(INVOKE, FN))
logic_L, logic_S = LOGIC_PAGE, SINGLE_PAGE
LOGIC_CASES: list[Case] = [
    Case("no policy at all: implicit deny", logic_L, "implicit:identity"),
    Case("an identity allow", logic_L, "allow", [logic_allow_invoke]),
    Case(
        "allow and deny in one policy", logic_L, "deny:identity", [doc(allow(), deny(INVOKE, FN))]
    ),
    Case(
        "deny after allow in the statement list",
        logic_L,
        "deny:identity",
        [doc(allow(INVOKE, FN), deny())],
    ),
    Case(
        "deny in another policy overrides",
        logic_L,
        "deny:identity",
        [logic_allow_invoke, logic_deny_invoke],
    ),
    Case(
        "deny in the first policy, allow in the second",
        logic_L,
        "deny:identity",
        [logic_deny_invoke, logic_allow_invoke],
    ),
    Case("deny alone is an explicit deny", logic_L, "deny:identity", [logic_deny_invoke]),
    Case(
        "deny of another action does not apply",
        logic_L,
        "allow",
        [logic_allow_invoke, doc(deny("lambda:Delete*"))],
    ),
    Case(
        "deny of another resource does not apply",
        logic_L,
        "allow",
        [logic_allow_invoke, doc(deny("*", FN + "-x"))],
    ),
    Case(
        "deny whose condition fails does not apply",
        logic_L,
        "allow",
        [logic_allow_invoke, doc(deny(Condition={"Bool": {"aws:SecureTransport": "false"}}))],
        context={"aws:SecureTransport": True},
    ),
    Case(
        "deny whose condition holds applies",
        logic_L,
        "deny:identity",
        [logic_allow_invoke, doc(deny(Condition={"Bool": {"aws:SecureTransport": "false"}}))],
        context={"aws:SecureTransport": False},
    ),
    Case(
        "deny with BoolIfExists on a missing key applies",
        logic_L,
        "deny:identity",
        [
            logic_allow_invoke,
            doc(deny(Condition={"BoolIfExists": {"aws:SecureTransport": "false"}})),
        ],
    ),
    Case(
        "unmatched deny and no allow: implicit", logic_L, "implicit:identity", [doc(deny("sqs:*"))]
    ),
    Case(
        "allow in the third of three policies",
        logic_L,
        "allow",
        [doc(allow("sqs:*")), doc(allow("s3:*")), logic_allow_invoke],
    ),
    Case(
        "allow of another action only",
        logic_L,
        "implicit:identity",
        [doc(allow("lambda:GetFunction", FN))],
    ),
    Case(
        "allow of another resource only",
        logic_L,
        "implicit:identity",
        [doc(allow(INVOKE, FN + "-other"))],
    ),
    Case(
        "failing conditional allow, unconditional allow",
        logic_L,
        "allow",
        [doc(allow(Condition={"StringEquals": {"k:v": "x"}}), allow(INVOKE, FN))],
    ),
    Case(
        "only a failing conditional allow",
        logic_L,
        "implicit:identity",
        [doc(allow(Condition={"StringEquals": {"k:v": "x"}}))],
    ),
    Case(
        "Statement as a single object",
        logic_L,
        "allow",
        [{"Version": "2012-10-17", "Statement": allow()}],
    ),
    Case("Version 2008-10-17 policy", logic_L, "allow", [doc(allow(), version="2008-10-17")]),
    Case("no Version element", logic_L, "allow", [{"Statement": [allow()]}]),
    Case(
        "a role session uses its identity policies",
        logic_L,
        "allow",
        [logic_allow_invoke],
        principal=SESSION,
    ),
    Case(
        "resource policy alone, same account",
        logic_S,
        "allow",
        resource_policy=doc(grant({"AWS": ALICE})),
    ),
    Case(
        "resource policy names the role, caller its session",
        logic_S,
        "allow",
        resource_policy=doc(grant({"AWS": ROLE})),
        principal=SESSION,
    ),
    Case(
        "resource policy names the session itself",
        logic_S,
        "allow",
        resource_policy=doc(grant({"AWS": SESSION})),
        principal=SESSION,
    ),
    Case(
        "resource policy names someone else",
        logic_S,
        "implicit:identity",
        resource_policy=doc(grant({"AWS": BOB})),
    ),
    Case(
        "resource policy for another action",
        logic_S,
        "implicit:identity",
        resource_policy=doc({**grant({"AWS": ALICE}), "Action": "lambda:GetFunction"}),
    ),
    Case(
        "resource policy for another resource",
        logic_S,
        "implicit:identity",
        resource_policy=doc({**grant({"AWS": ALICE}), "Resource": FN + "-x"}),
    ),
    Case(
        "identity allow, resource policy silent",
        logic_S,
        "allow",
        [logic_allow_invoke],
        resource_policy=doc(grant({"AWS": BOB})),
    ),
    Case(
        "resource deny overrides identity allow",
        logic_S,
        "deny:resource",
        [logic_allow_invoke],
        resource_policy=doc(grant({"AWS": ALICE}, "Deny")),
    ),
    Case(
        "identity deny overrides resource allow",
        logic_S,
        "deny:identity",
        [logic_deny_invoke],
        resource_policy=doc(grant({"AWS": ALICE})),
    ),
    Case(
        "both deny: the identity deny is named",
        logic_S,
        "deny:identity",
        [logic_deny_invoke],
        resource_policy=doc(grant({"AWS": ALICE}, "Deny")),
    ),
    Case(
        "resource deny of another principal",
        logic_S,
        "allow",
        [logic_allow_invoke],
        resource_policy=doc(grant({"AWS": BOB}, "Deny")),
    ),
    Case(
        "resource allow and deny for the caller",
        logic_S,
        "deny:resource",
        resource_policy=doc(grant({"AWS": ALICE}, Sid="a"), grant("*", "Deny", Sid="b")),
    ),
    Case(
        "account principal, same account: needs identity",
        logic_S,
        "implicit:identity",
        resource_policy=doc(grant({"AWS": ACCT})),
    ),
    Case(
        "account principal, same account, identity allows",
        logic_S,
        "allow",
        [logic_allow_invoke],
        resource_policy=doc(grant({"AWS": ACCT})),
    ),
    Case(
        "account root ARN is the account principal",
        logic_S,
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
        resource_policy=doc(grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCT}})),
    ),
    Case(
        "Principal * with a failing condition",
        PRINCIPAL_PAGE,
        "implicit:identity",
        resource_policy=doc(
            grant("*", Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
        ),
    ),
    Case("root user: full access in its account", logic_L, "allow", principal=ROOT),
    Case(
        "root user: a resource deny still applies",
        logic_L,
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
                    Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/admin-*"}}
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
        [doc(allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}))],
    ),
]


cross_account_allow_invoke = doc(allow(INVOKE, FN))
cross_account_X = CROSS_PAGE
cross_account_xa = {"principal": CAROL}  # carol (account OTHER) calls a function of ACCT
CROSS_ACCOUNT_CASES: list[Case] = [
    Case(
        "cross-account: identity allow only",
        cross_account_X,
        "implicit:resource",
        [cross_account_allow_invoke],
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: resource allow only",
        cross_account_X,
        "implicit:identity",
        resource_policy=doc(grant({"AWS": CAROL})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: both allow",
        cross_account_X,
        "allow",
        [cross_account_allow_invoke],
        resource_policy=doc(grant({"AWS": CAROL})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: the account is named, identity allows",
        cross_account_X,
        "allow",
        [cross_account_allow_invoke],
        resource_policy=doc(grant({"AWS": OTHER})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: the account is named, no identity",
        cross_account_X,
        "implicit:identity",
        resource_policy=doc(grant({"AWS": OTHER})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: another account is named",
        cross_account_X,
        "implicit:resource",
        [cross_account_allow_invoke],
        resource_policy=doc(grant({"AWS": "999988887777"})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: Principal * and identity allow",
        cross_account_X,
        "allow",
        [cross_account_allow_invoke],
        resource_policy=doc(grant("*")),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: Principal *, no identity",
        cross_account_X,
        "implicit:identity",
        resource_policy=doc(grant("*")),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: resource deny",
        cross_account_X,
        "deny:resource",
        [cross_account_allow_invoke],
        resource_policy=doc(grant({"AWS": CAROL}, "Deny")),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: identity deny",
        cross_account_X,
        "deny:identity",
        [doc(deny())],
        resource_policy=doc(grant({"AWS": CAROL})),
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: no policies",
        cross_account_X,
        "implicit:identity",
        **cross_account_xa,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: root, resource names its account",
        cross_account_X,
        "allow",
        resource_policy=doc(grant({"AWS": OTHER})),
        principal=OTHER_ROOT,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: root, no resource policy",
        cross_account_X,
        "implicit:resource",
        principal=OTHER_ROOT,
        resource_account=ACCT,
    ),
    Case(
        "cross-account: aws:SourceAccount condition",
        cross_account_X,
        "allow",
        [cross_account_allow_invoke],
        resource_policy=doc(
            grant({"AWS": CAROL}, Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
        ),
        **cross_account_xa,
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


service_anonymous_P = PRINCIPAL_PAGE
service_anonymous_sns = "service:sns.amazonaws.com"
service_anonymous_topic = f"arn:aws:sns:us-east-1:{ACCT}:my-topic"
service_anonymous_by_arn = {"ArnLike": {"aws:SourceArn": service_anonymous_topic}}
SERVICE_ANONYMOUS_CASES: list[Case] = [
    Case(
        "service principal allowed",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant({"Service": "sns.amazonaws.com"})),
        principal=service_anonymous_sns,
    ),
    Case(
        "service principal names are case-insensitive",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant({"Service": "SNS.amazonaws.com"})),
        principal=service_anonymous_sns,
    ),
    Case(
        "service principal in a list",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant({"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]})),
        principal=service_anonymous_sns,
    ),
    Case(
        "another service",
        service_anonymous_P,
        "implicit:resource",
        resource_policy=doc(grant({"Service": "s3.amazonaws.com"})),
        principal=service_anonymous_sns,
    ),
    Case(
        "service with aws:SourceArn, matching",
        service_anonymous_P,
        "allow",
        resource_policy=doc(
            grant({"Service": "sns.amazonaws.com"}, Condition=service_anonymous_by_arn)
        ),
        principal=service_anonymous_sns,
        context={"aws:SourceArn": service_anonymous_topic},
    ),
    Case(
        "service with aws:SourceArn, other topic",
        service_anonymous_P,
        "implicit:resource",
        resource_policy=doc(
            grant({"Service": "sns.amazonaws.com"}, Condition=service_anonymous_by_arn)
        ),
        principal=service_anonymous_sns,
        context={"aws:SourceArn": service_anonymous_topic + "-2"},
    ),
    Case(
        "service with aws:SourceArn missing",
        service_anonymous_P,
        "implicit:resource",
        resource_policy=doc(
            grant({"Service": "sns.amazonaws.com"}, Condition=service_anonymous_by_arn)
        ),
        principal=service_anonymous_sns,
    ),
    Case(
        "service with aws:SourceAccount",
        service_anonymous_P,
        "allow",
        resource_policy=doc(
            grant(
                {"Service": "sns.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": ACCT}},
            )
        ),
        principal=service_anonymous_sns,
        context={"aws:SourceAccount": ACCT},
    ),
    Case(
        "service, no resource policy",
        service_anonymous_P,
        "implicit:resource",
        principal=service_anonymous_sns,
    ),
    Case(
        "service, explicit deny",
        service_anonymous_P,
        "deny:resource",
        resource_policy=doc(
            grant({"Service": "sns.amazonaws.com"}, Sid="a"),
            grant({"Service": "sns.amazonaws.com"}, "Deny", Sid="b"),
        ),
        principal=service_anonymous_sns,
    ),
    Case(
        "service is not an AWS principal",
        service_anonymous_P,
        "implicit:resource",
        resource_policy=doc(grant({"AWS": ACCT})),
        principal=service_anonymous_sns,
    ),
    Case(
        "Principal * includes services",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant("*")),
        principal=service_anonymous_sns,
    ),
    Case(
        "anonymous with Principal *",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant("*")),
        principal="anonymous",
    ),
    Case(
        "anonymous with {AWS: *}",
        service_anonymous_P,
        "allow",
        resource_policy=doc(grant({"AWS": "*"})),
        principal="anonymous",
    ),
    Case(
        "anonymous with an account principal",
        service_anonymous_P,
        "implicit:resource",
        resource_policy=doc(grant({"AWS": ACCT})),
        principal="anonymous",
    ),
    Case(
        "anonymous, no resource policy",
        service_anonymous_P,
        "implicit:resource",
        principal="anonymous",
    ),
]


not_principal_N = NOTPRINCIPAL_PAGE
not_principal_everyone = grant("*", Sid="all")


def not_principal_rp(names: Any) -> dict[str, Any]:
    except_them = {"Sid": "except", "Effect": "Deny", "NotPrincipal": names}
    return doc(not_principal_everyone, {**except_them, "Action": INVOKE, "Resource": FN})


NOT_PRINCIPAL_CASES: list[Case] = [
    Case(
        "NotPrincipal: the listed user and account escape",
        not_principal_N,
        "allow",
        resource_policy=not_principal_rp({"AWS": [ALICE, ROOT]}),
    ),
    Case(
        "NotPrincipal: others are denied",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"AWS": [ALICE, ROOT]}),
        principal=BOB,
    ),
    Case(
        "NotPrincipal: the user without its account is denied",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"AWS": ALICE}),
    ),
    Case(
        "NotPrincipal: role and account spare the session",
        not_principal_N,
        "allow",
        resource_policy=not_principal_rp({"AWS": [ROLE, ROOT]}),
        principal=SESSION,
    ),
    Case(
        "NotPrincipal: the role alone does not",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"AWS": ROLE}),
        principal=SESSION,
    ),
    Case(
        "NotPrincipal: the session and account",
        not_principal_N,
        "allow",
        resource_policy=not_principal_rp({"AWS": [SESSION, ROOT]}),
        principal=SESSION,
    ),
    Case(
        "NotPrincipal: the account alone spares its root",
        not_principal_N,
        "allow",
        resource_policy=not_principal_rp({"AWS": ACCT}),
        principal=ROOT,
    ),
    Case(
        "NotPrincipal: the account alone does not spare a user",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"AWS": ACCT}),
    ),
    Case(
        "NotPrincipal: a service escapes",
        not_principal_N,
        "allow",
        resource_policy=not_principal_rp({"Service": "sns.amazonaws.com"}),
        principal="service:sns.amazonaws.com",
    ),
    Case(
        "NotPrincipal: a service list denies users",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"Service": "sns.amazonaws.com"}),
    ),
    Case(
        "NotPrincipal: cross-account user and account escape",
        not_principal_N,
        "allow",
        [doc(allow())],
        resource_policy=not_principal_rp({"AWS": [CAROL, OTHER]}),
        principal=CAROL,
        resource_account=ACCT,
    ),
    Case(
        "NotPrincipal: anonymous is denied",
        not_principal_N,
        "deny:resource",
        resource_policy=not_principal_rp({"AWS": [ALICE, ROOT]}),
        principal="anonymous",
    ),
]


def trust(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    """A role trust policy statement."""
    return {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole", **extra}


def assume(name: str, expect: str, trust_policy: dict[str, Any] | None, **kw: Any) -> Case:
    """sts:AssumeRole of ASSUMED, whose trust policy is `trust_policy`."""
    return Case(
        name,
        EVALUATION_PAGE,
        expect,
        resource_policy=trust_policy,
        resource_kind="trust",
        action="sts:AssumeRole",
        resource=ASSUMED,
        **kw,
    )


ASSUMED = f"arn:aws:iam::{ACCT}:role/deployer"
ASSUME_ANY = doc(allow("sts:AssumeRole"))
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "x-123"}}
TRUST_CASES: list[Case] = [
    assume("trust names the user: no identity policy needed", "allow", doc(trust({"AWS": ALICE}))),
    assume(
        "trust names the account: identity must allow",
        "implicit:identity",
        doc(trust({"AWS": ACCT})),
    ),
    assume(
        "trust names the account, identity allows",
        "allow",
        doc(trust({"AWS": ACCT})),
        identity=[ASSUME_ANY],
    ),
    assume(
        "identity allows, trust names someone else",
        "implicit:resource",
        doc(trust({"AWS": BOB})),
        identity=[ASSUME_ANY],
    ),
    assume(
        "trust names a service, the service assumes",
        "allow",
        doc(trust({"Service": "lambda.amazonaws.com"})),
        principal="service:lambda.amazonaws.com",
    ),
    assume(
        "trust names a service, a user cannot",
        "implicit:resource",
        doc(trust({"Service": "lambda.amazonaws.com"})),
        identity=[ASSUME_ANY],
    ),
    assume(
        "trust names the role: its session chains",
        "allow",
        doc(trust({"AWS": ROLE})),
        principal=SESSION,
    ),
    assume(
        "trust deny",
        "deny:resource",
        doc(trust({"AWS": ALICE}, Sid="a"), trust("*", "Deny", Sid="b")),
        identity=[ASSUME_ANY],
    ),
    assume(
        "trust with sts:ExternalId, given",
        "allow",
        doc(trust({"AWS": ALICE}, Condition=EXTERNAL_ID)),
        context={"sts:ExternalId": "x-123"},
    ),
    assume(
        "trust with sts:ExternalId, missing",
        "implicit:resource",
        doc(trust({"AWS": ALICE}, Condition=EXTERNAL_ID)),
    ),
    assume(
        "identity deny beats the trust policy",
        "deny:identity",
        doc(trust({"AWS": ALICE})),
        identity=[doc(deny("sts:*"))],
    ),
    assume(
        "cross-account: trust names the account, identity allows",
        "allow",
        doc(trust({"AWS": OTHER})),
        identity=[ASSUME_ANY],
        principal=CAROL,
        resource_account=ACCT,
    ),
    assume(
        "cross-account: trust names the user, no identity",
        "implicit:identity",
        doc(trust({"AWS": CAROL})),
        principal=CAROL,
        resource_account=ACCT,
    ),
    assume(
        "cross-account: identity allows, trust is for the account only",
        "implicit:resource",
        doc(trust({"AWS": ACCT})),
        identity=[ASSUME_ANY],
        principal=CAROL,
        resource_account=ACCT,
    ),
]


def all_cases() -> list[Case]:
    return [
        *STRING_CASES,
        *NUMERIC_CASES,
        *DATE_CASES,
        *BOOL_BINARY_IP_CASES,
        *ARN_CASES,
        *NULL_IFEXISTS_CASES,
        *_missing_key_cases(),
        *SET_CASES,
        *MULTI_CASES,
        *VARIABLE_CASES,
        *ACTION_CASES,
        *RESOURCE_CASES,
        *LOGIC_CASES,
        *CROSS_ACCOUNT_CASES,
        *SERVICE_ANONYMOUS_CASES,
        *NOT_PRINCIPAL_CASES,
        *TRUST_CASES,
    ]
