"""Roles with trust policies, role policies, and customer managed policies with their
versions, as boto3's `iam` client sees them."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.compat.iam.conftest import ACCOUNT, ROOT_ARN, allow, error_of, trust


def test_role_lifecycle(iam: Any, uid: str) -> None:
    name = f"deploy-{uid}"
    document = trust({"Service": "lambda.amazonaws.com"})
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=document, Path="/svc/", Description="d"
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/{name}"
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])
    assert role["AssumeRolePolicyDocument"] == json.loads(document)  # URL-encoded, decoded
    got = iam.get_role(RoleName=name)["Role"]
    assert (got["MaxSessionDuration"], got["Description"]) == (3600, "d")
    iam.update_role(RoleName=name, MaxSessionDuration=7200, Description="e")
    assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 7200
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust({"AWS": ROOT_ARN}))
    statement = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"AWS": ROOT_ARN}
    listed = iam.list_roles(PathPrefix="/svc/")["Roles"]
    assert name in [r["RoleName"] for r in listed]
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.delete_role(RoleName=name)
    assert error_of(lambda: iam.get_role(RoleName=name)) == (
        404,
        "NoSuchEntity",
        f"The role with name {name} cannot be found.",
    )


def test_role_errors(iam: Any, uid: str) -> None:
    name = f"r-{uid}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    assert error_of(
        lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    ) == (409, "EntityAlreadyExists", f"Role with name {name} already exists.")
    no_principal = allow("sts:AssumeRole")
    status, code, message = error_of(
        lambda: iam.create_role(RoleName=f"x-{uid}", AssumeRolePolicyDocument=no_principal)
    )
    assert (status, code) == (400, "MalformedPolicyDocument")
    assert message == "Has prohibited field Resource"
    status, code, message = error_of(
        lambda: iam.update_role(RoleName=name, MaxSessionDuration=50000)
    )
    assert (status, code) == (400, "ValidationError")
    assert "Member must have value less than or equal to 43200" in message


def test_role_policies_and_delete_conflict(iam: Any, uid: str) -> None:
    name = f"rp-{uid}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust({"AWS": ROOT_ARN}))
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=allow("logs:*"))
    got = iam.get_role_policy(RoleName=name, PolicyName="logs")
    assert (got["RoleName"], got["PolicyDocument"]["Statement"][0]["Action"]) == (name, "logs:*")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["logs"]
    managed = iam.create_policy(PolicyName=f"rm-{uid}", PolicyDocument=allow("sqs:*"))["Policy"]
    iam.attach_role_policy(RoleName=name, PolicyArn=managed["Arn"])
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [managed["Arn"]]
    assert error_of(lambda: iam.delete_role(RoleName=name))[:2] == (409, "DeleteConflict")
    assert error_of(lambda: iam.delete_policy(PolicyArn=managed["Arn"])) == (
        409,
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
    )
    iam.delete_role_policy(RoleName=name, PolicyName="logs")
    iam.detach_role_policy(RoleName=name, PolicyArn=managed["Arn"])
    iam.delete_role(RoleName=name)
    iam.delete_policy(PolicyArn=managed["Arn"])
    assert error_of(lambda: iam.get_policy(PolicyArn=managed["Arn"])) == (
        404,
        "NoSuchEntity",
        f"Policy {managed['Arn']} does not exist or is not attachable.",
    )


def test_managed_policy_versions(iam: Any, uid: str) -> None:
    name = f"v-{uid}"
    policy = iam.create_policy(
        PolicyName=name, PolicyDocument=allow("s3:*"), Path="/team/", Description="p"
    )["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/team/{name}"
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", policy["PolicyId"])
    assert (policy["DefaultVersionId"], policy["AttachmentCount"]) == ("v1", 0)
    assert error_of(lambda: iam.create_policy(PolicyName=name, PolicyDocument=allow("s3:*"))) == (
        409,
        "EntityAlreadyExists",
        f"A policy called {name} already exists. Duplicate names are not allowed.",
    )
    arn = policy["Arn"]
    for i in range(2, 6):
        made = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=allow(f"sqs:Op{i}"), SetAsDefault=(i == 3)
        )["PolicyVersion"]
        assert made["VersionId"] == f"v{i}"
    assert error_of(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:*")))[
        :2
    ] == (409, "LimitExceeded")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert version["IsDefaultVersion"] is True
    assert version["Document"]["Statement"][0]["Action"] == "sqs:Op3"
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert error_of(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v3")) == (
        409,
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
    )
    assert error_of(lambda: iam.delete_policy(PolicyArn=arn))[:2] == (409, "DeleteConflict")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    for v in ("v1", "v2", "v3", "v4"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    assert error_of(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v1")) == (
        404,
        "NoSuchEntity",
        f"Policy {arn} version v1 does not exist or is not attachable.",
    )
    assert (
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:*"))["PolicyVersion"][
            "VersionId"
        ]
        == "v6"
    )  # numbers are not reused
    listed_arns = [
        p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix="/team/")["Policies"]
    ]
    assert arn in listed_arns
    assert arn not in [p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    iam.delete_policy_version(PolicyArn=arn, VersionId="v6")
    iam.delete_policy(PolicyArn=arn)


def test_attaching_an_unknown_policy(iam: Any, uid: str) -> None:
    name = f"u-{uid}"
    iam.create_user(UserName=name)
    arn = f"arn:aws:iam::{ACCOUNT}:policy/none-{uid}"
    assert error_of(lambda: iam.attach_user_policy(UserName=name, PolicyArn=arn)) == (
        404,
        "NoSuchEntity",
        f"Policy {arn} does not exist or is not attachable.",
    )
    iam.delete_user(UserName=name)


def test_aws_managed_policies_can_be_read_listed_and_attached(iam: Any, uid: str) -> None:
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    policy = iam.get_policy(PolicyArn=basic)["Policy"]
    assert (policy["PolicyName"], policy["Path"], policy["DefaultVersionId"]) == (
        "AWSLambdaBasicExecutionRole",
        "/service-role/",
        "v1",
    )
    document = iam.get_policy_version(PolicyArn=basic, VersionId="v1")["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Action"] == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    listed = [
        p["Arn"] for p in iam.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
    ]
    assert basic in listed
    name = f"fn-{uid}"
    iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"})
    )
    iam.attach_role_policy(RoleName=name, PolicyArn=basic)
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": basic}]
    assert error_of(lambda: iam.delete_policy(PolicyArn=basic))[:2] == (404, "NoSuchEntity")
    iam.detach_role_policy(RoleName=name, PolicyArn=basic)
    iam.delete_role(RoleName=name)
