"""Layers and tags through boto3 against a real server."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create, make_zip


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def zip_with_tool(files: dict[str, str], tool: str) -> bytes:
    """A zip with `files` and an executable shell script `bin/<tool>`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        info = zipfile.ZipInfo(f"bin/{tool}")
        info.external_attr = 0o755 << 16
        zf.writestr(info, f"#!/bin/sh\necho from-{tool}\n")
    return buf.getvalue()


USES_LAYERS = """
import os, subprocess, sys
import shared, first_only, second_only
def handler(event, context):
    return {
        "shared": shared.WHO,
        "first": first_only.OK,
        "second": second_only.OK,
        "tool": subprocess.run(["tool-b"], capture_output=True, text=True).stdout.strip(),
        "node_path": os.environ.get("NODE_PATH", ""),
        "path": os.environ["PATH"],
    }
"""


def test_layers(client: Any, name: str) -> None:
    layer = f"{name}-lib"
    first = client.publish_layer_version(
        LayerName=layer,
        Description="one",
        Content={
            "ZipFile": zip_with_tool(
                {"python/shared.py": "WHO = 'first'\n", "python/first_only.py": "OK = 1\n"},
                "tool-a",
            )
        },
        CompatibleRuntimes=["python3.11"],
    )
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["Version"] == 1
    assert first["LayerVersionArn"] == f"{first['LayerArn']}:1"
    with urllib.request.urlopen(first["Content"]["Location"]) as resp:
        assert zipfile.ZipFile(io.BytesIO(resp.read())).namelist()[0] == "python/shared.py"
    other = f"{name}-other"
    second = client.publish_layer_version(
        LayerName=other,
        Content={
            "ZipFile": zip_with_tool(
                {
                    "python/shared.py": "WHO = 'second'\n",
                    "python/lib/python3.11/site-packages/second_only.py": "OK = 2\n",
                },
                "tool-b",
            )
        },
    )
    v2 = client.publish_layer_version(LayerName=layer, Content={"ZipFile": make_zip({"a": "b"})})
    assert v2["Version"] == 2

    got = client.get_layer_version(LayerName=layer, VersionNumber=1)
    assert (got["Description"], got["CompatibleRuntimes"]) == ("one", ["python3.11"])
    by_arn = client.get_layer_version_by_arn(Arn=first["LayerVersionArn"])
    assert by_arn["Version"] == 1
    versions = client.list_layer_versions(LayerName=layer)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    matching = client.list_layer_versions(LayerName=layer, CompatibleRuntime="python3.11")
    assert [v["Version"] for v in matching["LayerVersions"]] == [1]
    layers = {x["LayerName"]: x for x in client.list_layers()["Layers"]}
    assert layers[layer]["LatestMatchingVersion"]["Version"] == 2
    assert layers[other]["LatestMatchingVersion"]["Version"] == 1

    # Extracted in order: the later layer's shared.py wins.
    arns = [first["LayerVersionArn"], second["LayerVersionArn"]]
    created = create(client, name, USES_LAYERS, Layers=arns)
    assert [x["Arn"] for x in created["Layers"]] == arns
    out = client.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, body
    assert (body["shared"], body["first"], body["second"]) == ("second", 1, 2)
    assert body["tool"] == "from-tool-b"
    assert body["node_path"].endswith("/nodejs/node_modules")
    assert body["path"].endswith("/bin")

    # Reorder: now the first layer's file wins (a new merged directory).
    client.update_function_configuration(FunctionName=name, Layers=arns[::-1])
    body = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
    assert body["shared"] == "first"

    # A function keeps its layer after the layer version is deleted, as in Lambda.
    client.delete_layer_version(LayerName=layer, VersionNumber=1)
    client.delete_layer_version(LayerName=layer, VersionNumber=1)  # idempotent
    with pytest.raises(ClientError) as exc:
        client.get_layer_version(LayerName=layer, VersionNumber=1)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
        404,
    )
    client.update_function_configuration(FunctionName=name, Timeout=5)
    body = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
    assert body["shared"] == "first"

    with pytest.raises(ClientError) as exc:
        client.update_function_configuration(FunctionName=name, Layers=[first["LayerVersionArn"]])
    assert error_of(exc) == (
        "InvalidParameterValueException",
        f"Layer version {first['LayerVersionArn']} does not exist.",
        400,
    )
    six = [second["LayerVersionArn"]] * 6
    with pytest.raises(ClientError) as exc:
        client.update_function_configuration(FunctionName=name, Layers=six)
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Cannot reference more than 5 layers.",
        400,
    )


def test_tags(client: Any, name: str) -> None:
    arn = create(client, name, "def handler(e, c):\n    return 1\n", Tags={"team": "a"})[
        "FunctionArn"
    ]
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    client.tag_resource(Resource=arn, Tags={"env": "prod", "team": "b"})
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "b", "env": "prod"}
    assert client.get_function(FunctionName=name)["Tags"] == {"team": "b", "env": "prod"}
    client.untag_resource(Resource=arn, TagKeys=["team", "absent"])
    assert client.list_tags(Resource=arn)["Tags"] == {"env": "prod"}
    # Tagging is not an update of code or configuration.
    before = client.get_function_configuration(FunctionName=name)["RevisionId"]
    client.tag_resource(Resource=arn, Tags={"x": "y"})
    assert client.get_function_configuration(FunctionName=name)["RevisionId"] == before
    with pytest.raises(ClientError) as exc:
        client.list_tags(Resource=f"{arn}-missing")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {arn}-missing", 404)
    with pytest.raises(ClientError) as exc:
        client.tag_resource(Resource=f"{arn}-missing", Tags={"a": "b"})
    assert error_of(exc)[0::2] == ("ResourceNotFoundException", 404)
