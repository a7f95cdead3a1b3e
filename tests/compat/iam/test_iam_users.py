"""Users, access keys, user policies and paging, as boto3's `iam` client sees them."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

from tests.compat.iam.conftest import ACCOUNT, allow, client, error_of
from tests.helpers import Server


def test_user_lifecycle(iam: Any, uid: str) -> None:
    name = f"alice-{uid}"
    created = iam.create_user(UserName=name, Path="/ops/", Tags=[{"Key": "team", "Value": "a"}])
    user = created["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/{name}"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user["UserId"])
    assert (user["Path"], user["UserName"]) == ("/ops/", name)
    assert iam.get_user(UserName=name.upper())["User"]["UserName"] == name
    assert iam.get_user(UserName=name)["User"]["Tags"] == [{"Key": "team", "Value": "a"}]
    iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_user(UserName=name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.update_user(UserName=name, NewPath="/dev/")
    assert iam.get_user(UserName=name)["User"]["Path"] == "/dev/"
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow("s3:*"))
    iam.update_user(UserName=name, NewUserName=f"{name}-2")
    renamed = iam.get_user(UserName=f"{name}-2")["User"]
    assert (renamed["Arn"], renamed["UserId"]) == (
        f"arn:aws:iam::{ACCOUNT}:user/dev/{name}-2",
        user["UserId"],
    )
    assert error_of(lambda: iam.get_user(UserName=name))[:2] == (404, "NoSuchEntity")
    listed = iam.list_access_keys(UserName=f"{name}-2")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["UserName"]) for k in listed] == [(key, f"{name}-2")]
    assert iam.list_user_policies(UserName=f"{name}-2")["PolicyNames"] == ["p"]
    iam.create_user(UserName=name)
    assert error_of(lambda: iam.update_user(UserName=name, NewUserName=f"{name}-2")) == (
        409,
        "EntityAlreadyExists",
        f"User with name {name}-2 already exists.",
    )
    iam.delete_user(UserName=name)
    name = f"{name}-2"
    iam.delete_user_policy(UserName=name, PolicyName="p")
    iam.delete_access_key(UserName=name, AccessKeyId=key)
    iam.delete_user(UserName=name)
    assert error_of(lambda: iam.get_user(UserName=name)) == (
        404,
        "NoSuchEntity",
        f"The user with name {name} cannot be found.",
    )


def test_user_errors(iam: Any, uid: str) -> None:
    name = f"bob-{uid}"
    iam.create_user(UserName=name)
    assert error_of(lambda: iam.create_user(UserName=name.upper())) == (
        409,
        "EntityAlreadyExists",
        f"User with name {name.upper()} already exists.",
    )
    status, code, message = error_of(lambda: iam.create_user(UserName="a b"))
    assert (status, code) == (400, "ValidationError")
    assert message == (
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    status, code, message = error_of(lambda: iam.create_user(UserName=f"p-{uid}", Path="ops"))
    assert (status, code) == (400, "ValidationError")
    assert message.startswith("The specified value for path is invalid.")
    assert error_of(lambda: iam.delete_user(UserName=f"none-{uid}"))[:2] == (404, "NoSuchEntity")


def test_list_users_pages_as_iam_does(iam: Any, uid: str) -> None:
    path = f"/page{uid}/"
    names = [f"u{i}-{uid}" for i in range(5)]
    for name in names:
        iam.create_user(UserName=name, Path=path)
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == names[:2]
    assert first["IsTruncated"] is True
    rest = iam.list_users(PathPrefix=path, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == names[2:]
    assert rest["IsTruncated"] is False
    assert "Marker" not in rest
    pages = iam.get_paginator("list_users").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2}
    )
    assert [u["UserName"] for page in pages for u in page["Users"]] == names
    status, code, _ = error_of(lambda: iam.list_users(Marker="!!not-a-marker!!"))
    assert (status, code) == (400, "ValidationError")


def test_access_keys(iam: Any, server: Server, uid: str) -> None:
    name = f"keys-{uid}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert (key["UserName"], key["Status"]) == (name, "Active")
    second = iam.create_access_key(UserName=name)["AccessKey"]
    assert error_of(lambda: iam.create_access_key(UserName=name)) == (
        409,
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"], second["AccessKeyId"]]
    assert all("SecretAccessKey" not in k for k in listed)
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    }
    assert statuses == {key["AccessKeyId"]: "Inactive", second["AccessKeyId"]: "Active"}
    # The user's own key: calls without UserName act on the caller.
    own = client("iam", server.endpoint, second["AccessKeyId"], second["SecretAccessKey"])
    assert own.get_user()["User"]["UserName"] == name
    assert len(own.list_access_keys()["AccessKeyMetadata"]) == 2
    assert error_of(lambda: iam.delete_user(UserName=name)) == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
    )
    missing = "AKIAAAAAAAAAAAAAAAAA"
    assert error_of(lambda: iam.delete_access_key(UserName=name, AccessKeyId=missing)) == (
        404,
        "NoSuchEntity",
        f"The Access Key with id {missing} cannot be found.",
    )
    for k in (key, second):
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []
    iam.delete_user(UserName=name)


def test_user_inline_and_attached_policies(iam: Any, uid: str) -> None:
    name = f"pol-{uid}"
    iam.create_user(UserName=name)
    document = allow("s3:GetObject", "arn:aws:s3:::bucket/*")
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=document)
    got = iam.get_user_policy(UserName=name, PolicyName="read")
    assert got["PolicyDocument"]["Statement"][0]["Action"] == "s3:GetObject"  # decoded
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["read"]
    managed = iam.create_policy(PolicyName=f"m-{uid}", PolicyDocument=document)["Policy"]
    iam.attach_user_policy(UserName=name, PolicyArn=managed["Arn"])
    attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": f"m-{uid}", "PolicyArn": managed["Arn"]}]
    assert iam.get_policy(PolicyArn=managed["Arn"])["Policy"]["AttachmentCount"] == 1
    assert error_of(lambda: iam.delete_user(UserName=name))[2] == (
        "Cannot delete entity, must delete policies first."
    )
    iam.delete_user_policy(UserName=name, PolicyName="read")
    assert error_of(lambda: iam.delete_user(UserName=name))[2] == (
        "Cannot delete entity, must detach all policies first."
    )
    iam.detach_user_policy(UserName=name, PolicyArn=managed["Arn"])
    assert error_of(lambda: iam.detach_user_policy(UserName=name, PolicyArn=managed["Arn"])) == (
        404,
        "NoSuchEntity",
        f"Policy {managed['Arn']} was not found.",
    )
    assert error_of(lambda: iam.get_user_policy(UserName=name, PolicyName="read")) == (
        404,
        "NoSuchEntity",
        "The user policy with name read cannot be found.",
    )
    status, code, message = error_of(
        lambda: iam.put_user_policy(UserName=name, PolicyName="bad", PolicyDocument="{")
    )
    assert (status, code, message) == (400, "MalformedPolicyDocument", "Syntax errors in policy.")
    iam.delete_user(UserName=name)


def _post(endpoint: str, body: bytes) -> tuple[int, str]:
    scope = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, S=0"
    request = urllib.request.Request(
        endpoint + "/",
        data=body,
        headers={"Authorization": scope, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_missing_required_member_is_iams_validation_error(server: Server) -> None:
    status, body = _post(server.endpoint, b"Action=CreateUser&Version=2010-05-08")
    assert status == 400
    assert "<Code>ValidationError</Code>" in body
    assert (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
        "Member must not be null"
    ) in body
    status, body = _post(server.endpoint, b"Action=GetUser&Version=2010-05-08&UserName=")
    assert status == 400
    assert "Value '' at 'userName' failed to satisfy constraint: Member must have length" in body


def test_an_iam_operation_nubis_does_not_serve_says_so(iam: Any) -> None:
    status, code, message = error_of(lambda: iam.create_group(GroupName="g"))
    assert (status, code) == (404, "UnknownOperationException")
    assert message == "The operation CreateGroup is not supported by Nubis yet."
