"""STS as boto3's `sts` client sees it: who the caller is, AssumeRole's trust check,
temporary credentials and GetSessionToken."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from tests.compat.iam.conftest import ACCOUNT, ROOT_ARN, allow, client, error_of, trust
from tests.helpers import Server


def user_with_key(iam: Any, server: Server, name: str) -> tuple[Any, Any, str]:
    """(iam client, sts client) signed with a new user's key, and the user's ARN."""
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    secret = (key["AccessKeyId"], key["SecretAccessKey"])
    return client("iam", server.endpoint, *secret), client("sts", server.endpoint, *secret), arn


def test_caller_identity_of_an_unknown_key_is_the_account_root(sts: Any) -> None:
    identity = sts.get_caller_identity()
    assert (identity["Account"], identity["Arn"], identity["UserId"]) == (
        ACCOUNT,
        ROOT_ARN,
        ACCOUNT,
    )


def test_caller_identity_of_a_user_key(iam: Any, server: Server, uid: str) -> None:
    _iam, sts, arn = user_with_key(iam, server, f"who-{uid}")
    identity = sts.get_caller_identity()
    assert identity["Arn"] == arn
    assert identity["UserId"] == iam.get_user(UserName=f"who-{uid}")["User"]["UserId"]


def test_assume_role_allowed_by_a_trust_policy_naming_the_account(
    iam: Any, sts: Any, server: Server, uid: str
) -> None:
    role = iam.create_role(
        RoleName=f"ar-{uid}",
        AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}),
        MaxSessionDuration=7200,
    )["Role"]
    before = dt.datetime.now(dt.UTC)
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="build-1", DurationSeconds=7200)
    credentials, assumed = out["Credentials"], out["AssumedRoleUser"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretAccessKey"]) == 40
    assert len(credentials["SessionToken"]) > 100
    expires = credentials["Expiration"] - before
    assert dt.timedelta(seconds=7190) <= expires <= dt.timedelta(seconds=7300)
    assert assumed == {
        "AssumedRoleId": f"{role['RoleId']}:build-1",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ar-{uid}/build-1",
    }
    session = client(
        "sts",
        server.endpoint,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    identity = session.get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (assumed["Arn"], assumed["AssumedRoleId"])
    # Role chaining is limited to one hour; a session cannot get a session token.
    status, code, message = error_of(
        lambda: session.assume_role(
            RoleArn=role["Arn"], RoleSessionName="again", DurationSeconds=7200
        )
    )
    assert (status, code) == (400, "ValidationError")
    assert "1 hour session limit for roles assumed by role chaining" in message
    assert error_of(session.get_session_token) == (
        403,
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
    )


def test_assume_role_refused_by_the_trust_policy(iam: Any, sts: Any, uid: str) -> None:
    other = f"arn:aws:iam::{ACCOUNT}:user/someone-{uid}"
    iam.create_user(UserName=f"someone-{uid}")
    role = iam.create_role(RoleName=f"no-{uid}", AssumeRolePolicyDocument=trust({"AWS": other}))
    arn = role["Role"]["Arn"]
    assert error_of(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s1")) == (
        403,
        "AccessDenied",
        f"User: {ROOT_ARN} is not authorized to perform: sts:AssumeRole on resource: {arn}",
    )
    missing = f"arn:aws:iam::{ACCOUNT}:role/missing-{uid}"
    assert error_of(lambda: sts.assume_role(RoleArn=missing, RoleSessionName="s1"))[:2] == (
        403,
        "AccessDenied",
    )


def test_trust_naming_the_user_or_the_account_with_an_identity_policy(
    iam: Any, server: Server, uid: str
) -> None:
    name = f"dev-{uid}"
    user_iam, user_sts, user_arn = user_with_key(iam, server, name)
    direct = iam.create_role(RoleName=f"d-{uid}", AssumeRolePolicyDocument=trust({"AWS": user_arn}))
    arn = direct["Role"]["Arn"]
    assert user_sts.assume_role(RoleArn=arn, RoleSessionName="me")["AssumedRoleUser"]["Arn"]
    by_account = iam.create_role(
        RoleName=f"a-{uid}", AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN})
    )["Role"]["Arn"]
    denied = error_of(lambda: user_sts.assume_role(RoleArn=by_account, RoleSessionName="me"))
    assert denied[:2] == (403, "AccessDenied")  # the account's users need an identity allow
    iam.put_user_policy(
        UserName=name, PolicyName="assume", PolicyDocument=allow("sts:AssumeRole", by_account)
    )
    assert user_sts.assume_role(RoleArn=by_account, RoleSessionName="me")["Credentials"]
    del user_iam


def test_assume_role_checks_its_input(iam: Any, sts: Any, uid: str) -> None:
    arn = iam.create_role(RoleName=f"in-{uid}", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))[
        "Role"
    ]["Arn"]
    status, code, message = error_of(
        lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=7200)
    )
    assert (status, code, message) == (
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    status, code, message = error_of(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="a b"))
    assert (status, code) == (400, "ValidationError")
    assert "at 'roleSessionName' failed to satisfy constraint" in message
    assert error_of(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s1", Policy="{")) == (
        400,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    )
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    out = sts.assume_role(RoleArn=arn, RoleSessionName="scoped", Policy=policy)
    assert out["PackedPolicySize"] > 0


def test_get_session_token(iam: Any, sts: Any, server: Server, uid: str) -> None:
    root = sts.get_session_token(DurationSeconds=7200)["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", root["AccessKeyId"])
    lasting = root["Expiration"] - dt.datetime.now(dt.UTC)
    assert lasting <= dt.timedelta(seconds=3600)  # the root's sessions last an hour at most
    _iam, user_sts, user_arn = user_with_key(iam, server, f"st-{uid}")
    mine = user_sts.get_session_token()["Credentials"]
    assert mine["Expiration"] - dt.datetime.now(dt.UTC) > dt.timedelta(hours=11)
    session = client(
        "sts",
        server.endpoint,
        mine["AccessKeyId"],
        mine["SecretAccessKey"],
        aws_session_token=mine["SessionToken"],
    )
    assert session.get_caller_identity()["Arn"] == user_arn
    status, code, message = error_of(lambda: user_sts.get_session_token(DurationSeconds=200000))
    assert (status, code) == (400, "ValidationError")
    assert "Member must have value less than or equal to 129600" in message
