"""parse_policy: what it accepts, and IAM's MalformedPolicyDocument messages for what not.

Messages as IAM returns them for CreatePolicy / PutRolePolicy / UpdateAssumeRolePolicy
("Syntax errors in policy.", "The policy failed legacy parsing", ...); the order of the
checks follows IAM's (syntax, legacy parsing, SIDs, actions, resources, formats).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nubis.control.iam import MalformedPolicyDocumentError, PolicyKind, parse_policy
from nubis.control.iam import policy as P

V = "2012-10-17"
OK = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}
TRUST_OK = {
    "Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def st(**changes: Any) -> dict[str, Any]:
    out = {**OK, **changes}
    return {k: v for k, v in out.items() if v is not None}


def d(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements), **top}


IDENTITY_ERRORS: list[tuple[str, Any, str]] = [
    # the order of the checks: each runs over every statement before the next check
    ("syntax before legacy", d(st(Effect="allow"), st(Foo=1)), P.MSG_SYNTAX),
    ("legacy before duplicate Sid", d(st(Sid="a"), st(Sid="a", Effect="deny")), P.MSG_LEGACY),
    (
        "duplicate Sid before missing actions",
        d(st(Sid="a", Action=None), st(Sid="a")),
        P.MSG_SID_UNIQUE,
    ),
    (
        "missing actions before missing resources",
        d(st(Resource=None), st(Action=None)),
        P.MSG_NO_ACTIONS,
    ),
    (
        "missing resources before a bad vendor",
        d(st(Action="x"), st(Resource=None)),
        P.MSG_NO_RESOURCES,
    ),
    (
        "resource format before a bad vendor",
        d(st(Action="x"), st(Resource="f")),
        'Resource f must be in ARN format or "*".',
    ),
    ("a bad vendor before a principal", d(st(Principal="*"), st(Action="x")), P.MSG_VENDOR),
    ("not JSON", "{not json", P.MSG_SYNTAX),
    ("JSON but not an object", "[1, 2]", P.MSG_SYNTAX),
    ("no Statement", {"Version": V}, P.MSG_SYNTAX),
    ("empty Statement list", {"Version": V, "Statement": []}, P.MSG_SYNTAX),
    ("Statement a string", {"Version": V, "Statement": "x"}, P.MSG_SYNTAX),
    ("unknown top-level element", d(OK, Extra=1), P.MSG_SYNTAX),
    ("unknown Version", {"Version": "2020-01-01", "Statement": [OK]}, P.MSG_SYNTAX),
    ("Id not a string", d(OK, Id=5), P.MSG_SYNTAX),
    ("statement not an object", d("x"), P.MSG_SYNTAX),  # type: ignore[arg-type]
    ("unknown statement element", d(st(Foo="bar")), P.MSG_SYNTAX),
    ("no Effect", d(st(Effect=None)), P.MSG_SYNTAX),
    ("Effect neither Allow nor Deny", d(st(Effect="Permit")), P.MSG_SYNTAX),
    ("Effect not a string", d(st(Effect=True)), P.MSG_SYNTAX),
    ("Action and NotAction", d(st(NotAction="s3:*")), P.MSG_SYNTAX),
    ("Resource and NotResource", d(st(NotResource="*")), P.MSG_SYNTAX),
    ("Action not a string", d(st(Action=5)), P.MSG_SYNTAX),
    ("Action list with a number", d(st(Action=["s3:*", 5])), P.MSG_SYNTAX),
    ("Sid not a string", d(st(Sid=1)), P.MSG_SYNTAX),
    ("Condition not an object", d(st(Condition=["x"])), P.MSG_SYNTAX),
    (
        "Condition operator block not an object",
        d(st(Condition={"StringEquals": "x"})),
        P.MSG_SYNTAX,
    ),
    ("unknown condition operator", d(st(Condition={"StringSortOf": {"k:v": "x"}})), P.MSG_SYNTAX),
    (
        "NullIfExists is no operator",
        d(st(Condition={"NullIfExists": {"k:v": "true"}})),
        P.MSG_SYNTAX,
    ),
    (
        "condition value an object",
        d(st(Condition={"StringEquals": {"k:v": {"a": 1}}})),
        P.MSG_SYNTAX,
    ),
    ("lower-case effect fails legacy parsing", d(st(Effect="allow")), P.MSG_LEGACY),
    (
        "bad date fails legacy parsing",
        d(st(Condition={"DateLessThan": {"aws:CurrentTime": "soon"}})),
        P.MSG_LEGACY,
    ),
    ("duplicate Sid", d(st(Sid="a"), st(Sid="a")), P.MSG_SID_UNIQUE),
    ("Sid with a dash in an identity policy", d(st(Sid="my-sid")), P.MSG_SID_CHARS),
    ("no Action", d(st(Action=None)), P.MSG_NO_ACTIONS),
    ("empty Action list", d(st(Action=[])), P.MSG_NO_ACTIONS),
    ("no Resource", d(st(Resource=None)), P.MSG_NO_RESOURCES),
    ("empty Resource list", d(st(Resource=[])), P.MSG_NO_RESOURCES),
    ("Principal in an identity policy", d(st(Principal="*")), P.MSG_HAS_PRINCIPAL),
    (
        "NotPrincipal in an identity policy",
        d(st(Effect="Deny", NotPrincipal="*")),
        P.MSG_HAS_PRINCIPAL,
    ),
    ("action without a vendor", d(st(Action="InvokeFunction")), P.MSG_VENDOR),
    ("action with two colons", d(st(Action="lambda:Invoke:Function")), P.MSG_ONE_COLON),
    ("vendor with a space", d(st(Action="lam bda:Invoke")), "Vendor lam bda is not valid"),
    (
        "resource not an ARN",
        d(st(Resource="my-function")),
        'Resource my-function must be in ARN format or "*".',
    ),
    (
        "unknown partition",
        d(st(Resource="arn:foo:lambda:us-east-1:1:function:f")),
        'Partition "foo" is not valid for resource "arn:foo:lambda:us-east-1:1:function:f".',
    ),
    (
        "unknown partition, short ARN",
        d(st(Resource="arn:foo:s3")),
        'Partition "foo" is not valid for resource "arn:foo:s3:*:*:*".',
    ),
]


@pytest.mark.parametrize(
    ("document", "message"),
    [(doc, msg) for _, doc, msg in IDENTITY_ERRORS],
    ids=[n for n, _, _ in IDENTITY_ERRORS],
)
def test_identity_policy_errors(document: Any, message: str) -> None:
    with pytest.raises(MalformedPolicyDocumentError) as info:
        parse_policy(document, PolicyKind.IDENTITY)
    assert info.value.message == message
    assert info.value.wire_type == "MalformedPolicyDocument"
    assert info.value.status == 400


RESOURCE_ERRORS: list[tuple[str, PolicyKind, Any, str]] = [
    ("resource policy without Principal", PolicyKind.RESOURCE, d(OK), P.MSG_NO_PRINCIPAL),
    (
        "Principal and NotPrincipal",
        PolicyKind.RESOURCE,
        d(st(Principal="*", NotPrincipal="*")),
        P.MSG_SYNTAX,
    ),
    (
        "Principal of an unknown type",
        PolicyKind.RESOURCE,
        d(st(Principal={"Robot": "x"})),
        P.MSG_BAD_PRINCIPAL,
    ),
    ("Principal an empty object", PolicyKind.RESOURCE, d(st(Principal={})), P.MSG_BAD_PRINCIPAL),
    (
        "Principal a bare name",
        PolicyKind.RESOURCE,
        d(st(Principal={"AWS": "alice"})),
        P.MSG_BAD_PRINCIPAL,
    ),
    (
        "Principal with a partial wildcard",
        PolicyKind.RESOURCE,
        d(st(Principal={"AWS": "arn:aws:iam::111122223333:user/*"})),
        P.MSG_BAD_PRINCIPAL,
    ),
    (
        "Principal a non-IAM ARN",
        PolicyKind.RESOURCE,
        d(st(Principal={"AWS": "arn:aws:s3:::bucket"})),
        P.MSG_BAD_PRINCIPAL,
    ),
    (
        "Principal a string other than *",
        PolicyKind.RESOURCE,
        d(st(Principal="alice")),
        P.MSG_BAD_PRINCIPAL,
    ),
    (
        "NotPrincipal with Allow",
        PolicyKind.RESOURCE,
        d(st(NotPrincipal={"AWS": "111122223333"})),
        P.MSG_NOT_PRINCIPAL_ALLOW,
    ),
    (
        "trust policy with Resource",
        PolicyKind.TRUST,
        d({**TRUST_OK, "Resource": "*"}),
        P.MSG_HAS_RESOURCE,
    ),
    (
        "trust policy without Principal",
        PolicyKind.TRUST,
        d({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        P.MSG_NO_PRINCIPAL,
    ),
    (
        "trust policy with NotPrincipal",
        PolicyKind.TRUST,
        d({"Effect": "Deny", "NotPrincipal": "*", "Action": "sts:AssumeRole"}),
        P.MSG_NOT_PRINCIPAL_ALLOW,
    ),
]


@pytest.mark.parametrize(
    ("kind", "document", "message"),
    [r[1:] for r in RESOURCE_ERRORS],
    ids=[r[0] for r in RESOURCE_ERRORS],
)
def test_resource_and_trust_policy_errors(kind: PolicyKind, document: Any, message: str) -> None:
    with pytest.raises(MalformedPolicyDocumentError) as info:
        parse_policy(document, kind)
    assert info.value.message == message


def test_json_text_and_mapping_parse_alike() -> None:
    document = d(st(Sid="A1"), st(Effect="Deny", Action=["s3:*", "SQS:Send*"]))
    assert parse_policy(json.dumps(document)) == parse_policy(document)


def test_statement_object_and_defaults() -> None:
    policy = parse_policy({"Statement": OK})
    assert policy.version == "2008-10-17"
    assert not policy.variables
    (statement,) = policy.statements
    assert statement.allow
    assert statement.actions == ("lambda:invokefunction",)
    assert statement.resources == ("*",)
    assert statement.principals is None


def test_principal_forms_are_normalised() -> None:
    principal = {
        "AWS": ["111122223333", "arn:aws:iam::444455556666:user/carol"],
        "Service": "SNS.amazonaws.com",
        "Federated": "cognito-identity.amazonaws.com",
    }
    policy = parse_policy(d(st(Principal=principal, Sid="x-1")), PolicyKind.RESOURCE)
    names = policy.statements[0].principals
    assert names is not None
    assert not names.anyone
    assert names.aws == {"arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:user/carol"}
    assert names.services == {"sns.amazonaws.com"}
    assert names.federated == {"cognito-identity.amazonaws.com"}
    star = parse_policy(d(st(Principal={"AWS": "*"})), PolicyKind.RESOURCE)
    assert star.statements[0].principals is not None
    assert star.statements[0].principals.anyone


def test_resource_policy_sids_may_have_dashes() -> None:
    parse_policy(d(st(Principal="*", Sid="lambda-invoke-1")), PolicyKind.RESOURCE)


def test_trust_policy_parses() -> None:
    policy = parse_policy(d(TRUST_OK), PolicyKind.TRUST)
    assert policy.statements[0].resources is None


def test_reads_time_is_detected() -> None:
    timed = st(Condition={"DateLessThan": {"AWS:CurrentTime": "2030-01-01"}})
    assert parse_policy(d(timed)).reads_time
    by_variable = st(Condition={"StringEquals": {"k:v": "${aws:EpochTime}"}})
    assert parse_policy(d(by_variable)).reads_time
    assert parse_policy(d(timed)).statements[0].conditions[0].key == "aws:currenttime"
    assert not parse_policy(d(OK)).reads_time
    legacy = {"Version": "2008-10-17", "Statement": [by_variable]}
    assert not parse_policy(legacy).reads_time  # variables are literal text there


def test_condition_operators_are_parsed() -> None:
    block = {"ForAnyValue:StringLikeIfExists": {"AWS:TagKeys": ["a*", 3, True]}}
    (cond,) = parse_policy(d(st(Condition=block))).statements[0].conditions
    assert (cond.qualifier, cond.base, cond.if_exists) == ("ForAnyValue", "StringLike", True)
    assert cond.key == "aws:tagkeys"
    assert cond.values == ("a*", "3", "true")
