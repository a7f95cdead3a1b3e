"""Versions and aliases through boto3 against a real server: operations, invocation of a
qualifier, weighted routing, and the errors Lambda returns for each."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create, make_zip

CODE = """
import uuid
ENV = uuid.uuid4().hex  # one per environment
def handler(event, context):
    return {"v": %d, "version": context.function_version, "env": ENV,
            "arn": context.invoked_function_arn}
"""


def code(n: int) -> str:
    return CODE % n


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def call(client: Any, name: str, **kw: Any) -> tuple[Any, Any]:
    out = client.invoke(FunctionName=name, Payload=b"{}", **kw)
    return out, json.loads(out["Payload"].read())


def update(client: Any, name: str, n: int, **kw: Any) -> Any:
    zipped = make_zip({"lambda_function.py": code(n)})
    return client.update_function_code(FunctionName=name, ZipFile=zipped, **kw)


def test_publish_list_get_invoke_delete(client: Any, name: str) -> None:
    created = create(client, name, code(1))
    arn = created["FunctionArn"]
    v1 = client.publish_version(FunctionName=name, Description="first")
    assert v1["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (v1["Version"], v1["FunctionArn"], v1["Description"]) == ("1", f"{arn}:1", "first")
    assert v1["CodeSha256"] == created["CodeSha256"]
    assert v1["RevisionId"] != created["RevisionId"]
    # Nothing changed: the newest version comes back, no new one.
    assert client.publish_version(FunctionName=name)["Version"] == "1"

    update(client, name, 2)
    v2 = client.publish_version(FunctionName=arn)
    assert v2["Version"] == "2"
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert versions[0]["FunctionArn"] == f"{arn}:$LATEST"  # as Lambda lists it
    page = client.list_versions_by_function(FunctionName=name, MaxItems=2)
    rest = client.list_versions_by_function(FunctionName=name, Marker=page["NextMarker"])
    assert [v["Version"] for v in page["Versions"] + rest["Versions"]] == ["$LATEST", "1", "2"]

    conf = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (conf["Version"], conf["FunctionArn"]) == ("1", f"{arn}:1")
    got = client.get_function(FunctionName=f"{arn}:1")
    assert got["Configuration"]["Version"] == "1"

    out, body = call(client, name, Qualifier="1")
    assert out["ExecutedVersion"] == "1"
    assert out["ResponseMetadata"]["HTTPHeaders"]["x-amz-executed-version"] == "1"
    assert (body["v"], body["version"], body["arn"]) == (1, "1", f"{arn}:1")
    warm_v1 = body["env"]
    out, body = call(client, f"{name}:2")
    assert (out["ExecutedVersion"], body["v"], body["version"]) == ("2", 2, "2")
    assert body["arn"] == f"{arn}:2"
    out, body = call(client, name)
    assert (out["ExecutedVersion"], body["v"], body["version"]) == ("$LATEST", 2, "$LATEST")

    # $LATEST keeps changing; published versions do not, and stay warm through it.
    update(client, name, 3)
    assert call(client, name)[1]["v"] == 3
    _, body = call(client, name, Qualifier="1")
    assert (body["v"], body["env"]) == (1, warm_v1)

    client.delete_function(FunctionName=name, Qualifier="1")
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "2"]
    with pytest.raises(ClientError) as exc:
        client.get_function(FunctionName=name, Qualifier="1")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {arn}:1", 404)
    with pytest.raises(ClientError) as exc:
        client.invoke(FunctionName=name, Qualifier="1")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    # A number is never handed out twice.
    update(client, name, 4)
    assert client.publish_version(FunctionName=name)["Version"] == "3"
    # Deleting the function takes every version with it.
    client.delete_function(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        client.list_versions_by_function(FunctionName=name)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_publish_guards_and_errors(client: Any, name: str) -> None:
    created = create(client, name, code(1))
    wrong = base64.b64encode(b"\0" * 32).decode()
    with pytest.raises(ClientError) as exc:
        client.publish_version(FunctionName=name, CodeSha256=wrong)
    assert error_of(exc) == (
        "InvalidParameterValueException",
        f"CodeSHA256 ({wrong}) is different from current CodeSHA256 in $LATEST "
        f"({created['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        client.publish_version(FunctionName=name, RevisionId="stale")
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)
    ok = client.publish_version(
        FunctionName=name, CodeSha256=created["CodeSha256"], RevisionId=created["RevisionId"]
    )
    assert ok["Version"] == "1"
    with pytest.raises(ClientError) as exc:
        client.get_function_configuration(FunctionName=name, Qualifier="7")
    assert error_of(exc)[0::2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as exc:
        client.delete_function(FunctionName=name, Qualifier="$LATEST")
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.",
        400,
    )
    # Deleting a version that is not there succeeds, as in Lambda.
    client.delete_function(FunctionName=name, Qualifier="42")
    with pytest.raises(ClientError) as exc:
        client.publish_version(FunctionName=f"{name}-missing")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_publish_flag_on_create_and_update(client: Any, name: str) -> None:
    out = create(client, name, code(1), Publish=True)
    assert out["Version"] == "1"
    assert out["FunctionArn"].endswith(f":function:{name}")  # Lambda: unqualified
    out = update(client, name, 2, Publish=True)
    assert out["Version"] == "2"
    assert call(client, name, Qualifier="2")[1]["v"] == 2
    assert call(client, name, Qualifier="1")[1]["v"] == 1


def test_alias_operations_and_errors(client: Any, name: str) -> None:
    arn = create(client, name, code(1))["FunctionArn"]
    client.publish_version(FunctionName=name)
    update(client, name, 2)
    client.publish_version(FunctionName=name)

    live = client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert live["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (live["AliasArn"], live["FunctionVersion"]) == (f"{arn}:live", "1")
    assert "RoutingConfig" not in live
    out, body = call(client, name, Qualifier="live")
    assert (out["ExecutedVersion"], body["v"], body["arn"]) == ("1", 1, f"{arn}:live")
    conf = client.get_function_configuration(FunctionName=f"{name}:live")
    assert (conf["Version"], conf["FunctionArn"]) == ("1", f"{arn}:live")

    with pytest.raises(ClientError) as exc:
        client.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert error_of(exc) == ("ResourceConflictException", f"Alias already exists: {arn}:live", 409)
    with pytest.raises(ClientError) as exc:
        client.create_alias(FunctionName=name, Name="next", FunctionVersion="9")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {arn}:9", 404)
    with pytest.raises(ClientError) as exc:
        client.get_alias(FunctionName=name, Name="nope")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {arn}:nope",
        404,
    )
    with pytest.raises(ClientError) as exc:
        client.invoke(FunctionName=name, Qualifier="nope")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {arn}:nope", 404)
    with pytest.raises(ClientError) as exc:  # weights out of range: the model's constraint
        client.create_alias(
            FunctionName=name,
            Name="canary",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}},
        )
    assert error_of(exc)[0::2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as exc:
        client.create_alias(
            FunctionName=name,
            Name="canary",
            FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
        )
    assert error_of(exc)[0::2] == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as exc:
        client.create_alias(
            FunctionName=name,
            Name="canary",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"7": 0.5}},
        )
    assert error_of(exc)[0::2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as exc:  # all digits: not an alias name
        client.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    assert error_of(exc)[0] == "ValidationException"

    client.create_alias(FunctionName=name, Name="dev", FunctionVersion="$LATEST")
    names = [a["Name"] for a in client.list_aliases(FunctionName=name)["Aliases"]]
    assert names == ["dev", "live"]
    only_v1 = client.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
    assert [a["Name"] for a in only_v1] == ["live"]

    with pytest.raises(ClientError) as exc:
        client.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RevisionId="x")
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)
    with pytest.raises(ClientError) as exc:
        client.update_alias(FunctionName=name, Name="gone", FunctionVersion="2")
    assert error_of(exc) == ("ResourceNotFoundException", f"Alias not found: {arn}:gone", 404)
    updated = client.update_alias(
        FunctionName=name, Name="live", FunctionVersion="2", RevisionId=live["RevisionId"]
    )
    assert updated["FunctionVersion"] == "2"
    assert updated["RevisionId"] != live["RevisionId"]
    assert call(client, name, Qualifier="live")[0]["ExecutedVersion"] == "2"

    # A version an alias points to (or routes to) cannot be deleted.
    client.update_alias(
        FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}}
    )
    for version, users in (("2", "[live]"), ("1", "[live]")):
        with pytest.raises(ClientError) as exc:
            client.delete_function(FunctionName=name, Qualifier=version)
        assert error_of(exc) == (
            "ResourceConflictException",
            f"Unable to delete version because the following aliases reference it: {users}",
            409,
        )
    client.delete_alias(FunctionName=name, Name="live")
    client.delete_function(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as exc:
        client.get_alias(FunctionName=name, Name="live")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_weighted_routing(client: Any, name: str) -> None:
    """400 invocations of an alias sending 30% to version 2. The count of version 2 is
    Binomial(400, 0.3): mean 120, sigma sqrt(400*0.3*0.7) = 9.17; the accepted band is
    mean +- 5 sigma (74..166), which a correct router leaves with probability < 6e-7."""
    create(client, name, code(1))
    client.publish_version(FunctionName=name)
    update(client, name, 2)
    client.publish_version(FunctionName=name)
    alias = client.create_alias(
        FunctionName=name,
        Name="canary",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}},
    )
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.3}}
    n, p = 400, 0.3
    counts = {"1": 0, "2": 0}
    for _ in range(n):
        out, body = call(client, name, Qualifier="canary")
        assert body["version"] == out["ExecutedVersion"]
        counts[out["ExecutedVersion"]] += 1
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(counts["2"] - n * p) <= 5 * sigma, counts
    # Shift all traffic (the canary's last step): one atomic update, no routing left.
    client.update_alias(
        FunctionName=name,
        Name="canary",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    got = client.get_alias(FunctionName=name, Name="canary")
    assert (got["FunctionVersion"], got.get("RoutingConfig")) == ("2", None)
    assert {call(client, name, Qualifier="canary")[0]["ExecutedVersion"] for _ in range(20)} == {
        "2"
    }
