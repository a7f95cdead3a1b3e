"""Issue 11, causes 1 and 2 through boto3 against a real server: the keys Lambda always
returns, and versions (what PublishVersion publishes, which ARN each answer carries)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create, make_zip

HELLO = """
def handler(event, context):
    return {"ok": True}
"""

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


# ----------------------------------------------------------------- cause 1: keys


def test_configuration_has_the_keys_lambda_always_sends(client: Any, name: str) -> None:
    """RuntimeVersionConfig, Environment (empty Variables) and LoggingConfig's defaults in
    every configuration (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html,
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html)."""
    created = create(client, name, HELLO)
    got = client.get_function_configuration(FunctionName=name)
    listed = next(
        f
        for page in client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"] == name
    )
    for conf in (created, got, listed):
        arn = conf["RuntimeVersionConfig"]["RuntimeVersionArn"]
        assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", arn)
        assert conf["Environment"] == {"Variables": {}}
        assert conf["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    # One runtime, one runtime version.
    assert got["RuntimeVersionConfig"] == created["RuntimeVersionConfig"]


def test_logging_config_is_stored_with_lambda_defaults(client: Any, name: str) -> None:
    """JSON format reports INFO for both levels unless given; a custom group is kept;
    back to Text drops the levels
    (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html)."""
    create(client, name, HELLO, LoggingConfig={"LogFormat": "JSON"})
    conf = client.get_function_configuration(FunctionName=name)["LoggingConfig"]
    assert conf == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    out = client.update_function_configuration(
        FunctionName=name,
        LoggingConfig={"ApplicationLogLevel": "DEBUG", "LogGroup": "/custom/group"},
    )
    assert out["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "DEBUG",
        "SystemLogLevel": "INFO",
        "LogGroup": "/custom/group",
    }
    out = client.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogFormat": "Text"}
    )
    assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/group"}


def test_event_invoke_config_has_both_destinations(client: Any, name: str) -> None:
    """DestinationConfig always has OnSuccess and OnFailure, empty when unset
    (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html)."""
    create(client, name, HELLO)
    put = client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    got = client.get_function_event_invoke_config(FunctionName=name)
    assert got["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}


def test_layer_version_has_empty_compatible_lists(client: Any, name: str) -> None:
    """CompatibleRuntimes and CompatibleArchitectures are sent empty when none were given
    (https://docs.aws.amazon.com/lambda/latest/api/API_GetLayerVersion.html)."""
    zipped = make_zip({"python/m.py": "X = 1\n"})
    out = client.publish_layer_version(LayerName=name, Content={"ZipFile": zipped})
    for layer in (
        out,
        client.get_layer_version(LayerName=name, VersionNumber=out["Version"]),
        client.list_layer_versions(LayerName=name)["LayerVersions"][0],
    ):
        assert layer["CompatibleRuntimes"] == []
        assert layer["CompatibleArchitectures"] == []
    client.delete_layer_version(LayerName=name, VersionNumber=out["Version"])


# ----------------------------------------------------------------- cause 2: versions


def test_publish_after_a_configuration_only_change_is_a_new_version(client: Any, name: str) -> None:
    """ "Lambda doesn't publish a version if the function's configuration and code haven't
    changed since the last version" (https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html):
    a configuration change alone makes one."""
    create(client, name, HELLO)
    assert client.publish_version(FunctionName=name)["Version"] == "1"
    assert client.publish_version(FunctionName=name)["Version"] == "1"  # nothing changed
    client.update_function_configuration(FunctionName=name, Description="changed")
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    second = client.publish_version(FunctionName=name)
    assert second["Version"] == "2"
    assert second["FunctionArn"] == f"{ARN}{name}:2"
    client.tag_resource(Resource=f"{ARN}{name}", Tags={"k": "v"})  # tags are not config
    assert client.publish_version(FunctionName=name)["Version"] == "2"


def test_create_with_publish_answers_with_the_unqualified_arn(client: Any, name: str) -> None:
    out = create(client, name, HELLO, Publish=True)
    assert (out["Version"], out["FunctionArn"]) == ("1", f"{ARN}{name}")


def test_latest_qualified_answers_carry_latest_arn(client: Any, name: str) -> None:
    """A `$LATEST`-qualified call and ListVersionsByFunction name `...:f:$LATEST`
    (https://docs.aws.amazon.com/lambda/latest/api/API_ListVersionsByFunction.html)."""
    create(client, name, HELLO)
    client.publish_version(FunctionName=name)
    got = client.get_function_configuration(FunctionName=name, Qualifier="$LATEST")
    assert got["FunctionArn"] == f"{ARN}{name}:$LATEST"
    got = client.get_function(FunctionName=f"{name}:$LATEST")["Configuration"]
    assert got["FunctionArn"] == f"{ARN}{name}:$LATEST"
    assert client.get_function(FunctionName=name)["Configuration"]["FunctionArn"] == ARN + name
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [(v["Version"], v["FunctionArn"]) for v in versions] == [
        ("$LATEST", f"{ARN}{name}:$LATEST"),
        ("1", f"{ARN}{name}:1"),
    ]


def test_list_functions_all_lists_every_version(client: Any, name: str) -> None:
    """FunctionVersion=ALL "to include entries for all published versions of each function"
    (https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html)."""
    create(client, name, HELLO, Publish=True)
    ours = [
        (f["Version"], f["FunctionArn"])
        for page in client.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for f in page["Functions"]
        if f["FunctionName"] == name
    ]
    assert ours == [("$LATEST", f"{ARN}{name}:$LATEST"), ("1", f"{ARN}{name}:1")]
    plain = [
        f["Version"]
        for page in client.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"] == name
    ]
    assert plain == ["$LATEST"]
