"""Function management through boto3 against a real server: operations and their errors."""

from __future__ import annotations

import base64
import hashlib
import io
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ROLE, create, make_zip

HELLO = """
def handler(event, context):
    return {"hello": event.get("who", "world")}
"""


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_delete(client: Any, name: str) -> None:
    zipped = make_zip({"lambda_function.py": HELLO})
    out = client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": zipped},
        MemorySize=256,
        Timeout=10,
        Description="d",
        Environment={"Variables": {"AA": "1"}},
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert out["CodeSize"] == len(zipped)
    assert (out["MemorySize"], out["Timeout"], out["Description"]) == (256, 10, "d")
    assert out["Environment"] == {"Variables": {"AA": "1"}}
    assert out["Version"] == "$LATEST"
    assert out["State"] == "Active"
    assert out["LastUpdateStatus"] == "Successful"
    assert out["RevisionId"]
    assert out["LastModified"].endswith("+0000")
    client.get_waiter("function_active_v2").wait(FunctionName=name)

    got = client.get_function(FunctionName=name)
    assert got["Configuration"]["RevisionId"] == out["RevisionId"]
    with urllib.request.urlopen(got["Code"]["Location"]) as resp:
        assert resp.read() == zipped

    conf = client.get_function_configuration(FunctionName=out["FunctionArn"])
    assert conf["FunctionName"] == name
    assert conf["Handler"] == "lambda_function.handler"

    names = [
        f["FunctionName"]
        for p in client.get_paginator("list_functions").paginate()
        for f in p["Functions"]
    ]
    assert name in names

    deleted = client.delete_function(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        client.get_function(FunctionName=name)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_list_functions_pagination(client: Any, name: str) -> None:
    for i in range(5):
        create(client, f"{name}-{i}", HELLO)
    page = client.list_functions(MaxItems=2)
    assert len(page["Functions"]) == 2
    assert "NextMarker" in page
    seen = [
        f["FunctionName"]
        for p in client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2})
        for f in p["Functions"]
    ]
    assert [f"{name}-{i}" for i in range(5)] == [n for n in seen if n.startswith(name)]
    assert len(seen) == len(set(seen))


def test_update_code_and_configuration(client: Any, name: str) -> None:
    first = create(client, name, HELLO)
    new_zip = make_zip({"lambda_function.py": "def handler(e, c):\n    return 'v2'\n"})
    updated = client.update_function_code(FunctionName=name, ZipFile=new_zip)
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(new_zip).digest()).decode()
    assert updated["RevisionId"] != first["RevisionId"]
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert client.invoke(FunctionName=name)["Payload"].read() == b'"v2"'

    conf = client.update_function_configuration(
        FunctionName=name,
        MemorySize=512,
        Timeout=30,
        EphemeralStorage={"Size": 1024},
        Environment={"Variables": {"BB": "2"}},
    )
    assert (conf["MemorySize"], conf["Timeout"], conf["EphemeralStorage"]["Size"]) == (
        512,
        30,
        1024,
    )
    assert conf["Environment"] == {"Variables": {"BB": "2"}}
    client.get_waiter("function_updated_v2").wait(FunctionName=name)

    with pytest.raises(ClientError) as exc:
        client.update_function_configuration(
            FunctionName=name, Timeout=5, RevisionId=first["RevisionId"]
        )
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)
    with pytest.raises(ClientError) as exc:
        client.update_function_code(
            FunctionName=name, ZipFile=new_zip, RevisionId=first["RevisionId"]
        )
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)


def test_account_settings(client: Any, name: str) -> None:
    create(client, name, HELLO)
    out = client.get_account_settings()
    assert out["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert out["AccountLimit"]["CodeSizeZipped"] == 50 * 1024 * 1024
    assert out["AccountUsage"]["FunctionCount"] >= 1


def test_not_found_and_conflict(client: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        client.get_function_configuration(FunctionName=name)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
        404,
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName=name)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_function(FunctionName=name)
    create(client, name, HELLO)
    with pytest.raises(client.exceptions.ResourceConflictException) as exc2:
        create(client, name, HELLO)
    assert exc2.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


@pytest.fixture(scope="module")
def raw_client(server: Any) -> Any:
    """A client whose own parameter validation is off, as a misbehaving client's would be."""
    from tests.helpers import lambda_client

    return lambda_client(server.endpoint, parameter_validation=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"Timeout": 901},
            "Value '901' at 'timeout' failed to satisfy constraint: "
            "Member must have value less than or equal to 900",
        ),
        (
            {"Timeout": 0},
            "Value '0' at 'timeout' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            {"MemorySize": 64},
            "Value '64' at 'memorySize' failed to satisfy constraint: "
            "Member must have value greater than or equal to 128",
        ),
        (
            {"MemorySize": 10241},
            "Value '10241' at 'memorySize' failed to satisfy constraint: "
            "Member must have value less than or equal to 10240",
        ),
        (
            {"EphemeralStorage": {"Size": 511}},
            "Value '511' at 'ephemeralStorage.size' failed "
            "to satisfy constraint: Member must have value greater than or equal to 512",
        ),
        (
            {"EphemeralStorage": {"Size": 10241}},
            "Value '10241' at 'ephemeralStorage.size' "
            "failed to satisfy constraint: Member must have value less than or equal to 10240",
        ),
        (
            {"FunctionName": "bad name!"},
            "Value 'bad name!' at 'functionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: ",
        ),
    ],
)
def test_validation_exceptions(
    raw_client: Any, name: str, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        create(raw_client, name, HELLO, **kwargs)
    code, msg, status = error_of(exc)
    assert (code, status) == ("ValidationException", 400)
    assert msg.startswith("1 validation error detected: " + message), msg


def test_validation_on_update(raw_client: Any, name: str) -> None:
    create(raw_client, name, HELLO)
    with pytest.raises(ClientError) as exc:
        raw_client.update_function_configuration(FunctionName=name, Timeout=901)
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900",
        400,
    )


def _big_zip(uncompressed: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("lambda_function.py", HELLO)
        with zf.open("zeros.bin", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(uncompressed >> 20):
                f.write(chunk)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"Runtime": "java17"}, "Supported runtimes: "),
        ({"Environment": {"Variables": {"BIG": "x" * 5000}}}, "exceeded the 4KB limit"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "reserved keys"),
        ({"Handler": "nodots"}, "cannot be parsed"),
        ({"Code": {"ZipFile": b"this is not a zip"}}, "Could not unzip uploaded file"),
        ({"Code": {"ZipFile": _big_zip(251 << 20)}}, "Unzipped size must be smaller than"),
    ],
    ids=["runtime", "env-4kb", "env-reserved", "handler", "bad-zip", "unzipped-250mb"],
)
def test_invalid_parameter_values(
    client: Any, name: str, kwargs: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ClientError) as exc:
        create(client, name, HELLO, **kwargs)
    code, msg, status = error_of(exc)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert needle in msg


def test_zipped_over_50mb(client: Any, name: str) -> None:
    import os

    data = make_zip({"lambda_function.py": HELLO, "noise.bin": os.urandom(51 << 20)})
    with pytest.raises(ClientError) as exc:
        create(client, name, {}, Code={"ZipFile": data})
    code, msg, status = error_of(exc)
    # Lambda's 413 on the request (the zip is base64 in it: 4/3 of 50 MB).
    assert (code, msg, status) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 69905067 bytes for the CreateFunction operation",
        413,
    )
