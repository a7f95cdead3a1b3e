"""Principals from ARNs, context normalisation, derived global keys, variable syntax."""

from __future__ import annotations

import datetime as dt

import pytest

from nubis.control.iam import Principal, PrincipalKind, Request
from nubis.control.iam.patterns import substitute, variable_keys


@pytest.mark.parametrize(
    ("arn", "kind", "account", "principal_arn"),
    [
        ("arn:aws:iam::111122223333:root", PrincipalKind.ROOT, "111122223333", None),
        ("arn:aws:iam::111122223333:user/ops/alice", PrincipalKind.USER, "111122223333", None),
        ("arn:aws:iam::111122223333:role/admin", PrincipalKind.ROLE, "111122223333", None),
        (
            "arn:aws:sts::111122223333:assumed-role/admin/s1",
            PrincipalKind.ROLE_SESSION,
            "111122223333",
            "arn:aws:iam::111122223333:role/admin",
        ),
        (
            "arn:aws:sts::111122223333:federated-user/bob",
            PrincipalKind.FEDERATED_USER,
            "111122223333",
            None,
        ),
    ],
)
def test_principal_from_arn(
    arn: str, kind: PrincipalKind, account: str, principal_arn: str | None
) -> None:
    p = Principal.from_arn(arn)
    assert (p.kind, p.account) == (kind, account)
    assert p.principal_arn == (principal_arn or arn)
    assert p.account_root == f"arn:aws:iam::{account}:root"


@pytest.mark.parametrize(
    "arn",
    ["alice", "arn:aws:s3:::bucket", "arn:aws:iam::1:group/g", "arn:aws:sts::1:assumed-role/x"],
)
def test_not_a_principal_arn(arn: str) -> None:
    with pytest.raises(ValueError, match="ARN"):
        Principal.from_arn(arn)


def test_session_role_path_can_be_given() -> None:
    role = "arn:aws:iam::111122223333:role/team/admin"
    p = Principal.from_arn("arn:aws:sts::111122223333:assumed-role/admin/s1", role_arn=role)
    assert p.principal_arn == role


def test_context_is_normalised_and_derived_keys_filled() -> None:
    alice = Principal.from_arn("arn:aws:iam::111122223333:user/ops/alice")
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    given = {"AWS:SecureTransport": True, "k:n": 5, "k:b": b"\x00", "aws:TagKeys": {"b", "a"}}
    r = Request.build(alice, "lambda:InvokeFunction", "*", given, now=now)
    assert r.context["aws:securetransport"] == ("true",)
    assert r.context["k:n"] == ("5",)
    assert r.context["k:b"] == ("AA==",)
    assert r.context["aws:tagkeys"] == ("a", "b")
    assert r.multivalued == {"aws:tagkeys"}
    assert r.context["aws:username"] == ("alice",)
    assert r.context["aws:principalarn"] == (alice.arn,)
    assert r.context["aws:principalaccount"] == ("111122223333",)
    assert r.context["aws:currenttime"] == ("2026-12-01T12:00:00Z",)
    assert r.context["aws:epochtime"] == ("1796126400",)


def test_derived_keys_win_over_given_ones() -> None:
    alice = Principal.from_arn("arn:aws:iam::111122223333:user/alice")
    r = Request.build(alice, "s3:GetObject", "*", {"aws:username": ["other"], "k:v": "x"})
    assert r.context["aws:username"] == ("alice",)
    assert r.multivalued == frozenset()
    assert r.context["k:v"] == ("x",)


def test_service_and_anonymous_have_no_principal_arn() -> None:
    sns = Request.build(Principal.service("SNS.amazonaws.com"), "lambda:InvokeFunction", "*")
    assert "aws:principalarn" not in sns.context
    assert sns.principal.arn == "sns.amazonaws.com"
    anon = Request.build(Principal.anonymous(), "s3:GetObject", "*")
    assert anon.context == {}


def test_variable_syntax() -> None:
    values = {"aws:username": "alice"}
    assert substitute("${aws:username}/${ AWS:UserName }", values.get) == "alice/alice"
    assert substitute("${k:x, 'd'}", values.get) == "d"
    assert substitute("${k:x}", values.get) is None
    assert variable_keys("a${aws:username}b${*}${k:x, 'y'}") == ["aws:username", "k:x"]
