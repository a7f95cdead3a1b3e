"""Every endpoint of a protocol fails the same way, whatever part of Nubis raised the
error, and botocore's parser of that protocol reads the code back:

- rest-json (Lambda and Nubis's own `/_nubis/` endpoints): Lambda's JSON error body,
  `x-amzn-errortype` and a request id;
- json (SQS): `__type` and `message`, SQS's query code in `x-amzn-query-error`;
- query, rest-xml, CBOR (services Nubis does not serve, or a served one in a protocol it
  does not speak): `<ErrorResponse>`, `<Error>`, a CBOR map.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import cbor2
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from tests.helpers import create

FAILING = [
    ("GET", "/2015-03-31/functions/does-not-exist", b"", 404, "ResourceNotFoundException"),
    (
        "GET",
        "/2015-03-31/functions/does-not-exist/configuration",
        b"",
        404,
        "ResourceNotFoundException",
    ),
    ("DELETE", "/2015-03-31/functions/does-not-exist", b"", 404, "ResourceNotFoundException"),
    (
        "POST",
        "/2015-03-31/functions/does-not-exist/invocations",
        b"{}",
        404,
        "ResourceNotFoundException",
    ),
    ("POST", "/2015-03-31/functions", b"{not json", 400, "InvalidRequestContentException"),
    ("POST", "/2015-03-31/functions", b"{}", 400, "ValidationException"),
    ("GET", "/2015-03-31/functions?MaxItems=0", b"", 400, "ValidationException"),
    (
        "PUT",
        "/2015-03-31/functions/x%20y/configuration",
        b'{"Timeout": 3}',
        400,
        "ValidationException",
    ),
    ("GET", "/no/such/route", b"", 404, "UnknownOperationException"),
    (
        "POST",
        "/2015-03-31/functions/shape-target/invocations",
        b"nope",
        400,
        "InvalidRequestContentException",
    ),
]


@pytest.fixture(scope="module")
def target(client: Any) -> None:
    with contextlib.suppress(client.exceptions.ResourceConflictException):
        create(client, "shape-target", "def handler(e, c):\n    return e\n")


@pytest.mark.parametrize(("method", "path", "body", "status", "error_type"), FAILING)
def test_error_shape(
    server: Any, target: None, method: str, path: str, body: bytes, status: int, error_type: str
) -> None:
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == status
    assert resp.getheader("x-amzn-errortype") == error_type
    assert resp.getheader("x-amzn-RequestId")
    assert resp.getheader("Content-Type", "").startswith("application/json")
    assert data["Type"] in ("User", "Service")
    message = data.get("message", data.get("Message"))
    assert isinstance(message, str)
    assert message


def _send(server: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _botocore_error(protocol: str, status: int, headers: dict[str, str], body: bytes) -> Any:
    """What botocore's own parser of `protocol` makes of an error response."""
    parsed = create_parser(protocol).parse(
        {
            "status_code": status,
            "headers": HeadersDict(headers),
            "body": body,
            "context": {"operation_name": "test"},
        },
        None,
    )
    return parsed["Error"], parsed["ResponseMetadata"]


def _scope(service: str) -> dict[str, str]:
    """An Authorization header whose credential scope names `service` (not verified)."""
    credential = f"test/20260101/us-east-1/{service}/aws4_request"
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, Signature=0"}


NUBIS_FAILING = [
    ("GET", "/_nubis/code/" + "0" * 64 + ".zip", 404, "ResourceNotFoundException"),
    ("GET", "/_nubis/logs/does-not-exist", 404, "ResourceNotFoundException"),
    ("GET", "/_nubis/logs/x?tail=abc", 400, "InvalidParameterValueException"),
    ("GET", "/_nubis/nothing-here", 404, "UnknownOperationException"),
    ("POST", "/_nubis/health", 404, "UnknownOperationException"),
]


@pytest.mark.parametrize(("method", "path", "status", "error_type"), NUBIS_FAILING)
def test_nubis_endpoints_fail_as_lambda_does(
    server: Any, method: str, path: str, status: int, error_type: str
) -> None:
    got, headers, body = _send(server, method, path, b"", {})
    assert got == status
    assert headers["x-amzn-errortype"] == error_type
    assert headers["x-amzn-requestid"]
    data = json.loads(body)
    assert data["Type"] in ("User", "Service")
    assert data.get("message", data.get("Message"))
    error, meta = _botocore_error("rest-json", got, headers, body)
    assert error["Code"] == error_type
    assert meta["RequestId"] == headers["x-amzn-requestid"]


def test_nubis_health(server: Any) -> None:
    status, headers, body = _send(server, "GET", "/_nubis/health", b"", {})
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["x-amzn-requestid"]


SQS_URL = "http://127.0.0.1/000000000000/no-such-queue"
SQS_FAILING = [
    ("POST", "AmazonSQS.NoSuchOperation", b"{}", 400, "InvalidAction"),
    ("POST", "AmazonSQS.ListQueues", b"{not json", 400, "SerializationException"),
    ("POST", "AmazonSQS.GetQueueUrl", b"{}", 400, "MissingParameter"),
    (
        "POST",
        "AmazonSQS.GetQueueAttributes",
        json.dumps({"QueueUrl": SQS_URL}).encode(),
        400,
        "AWS.SimpleQueueService.NonExistentQueue",
    ),
    ("GET", "AmazonSQS.ListQueues", b"", 400, "InvalidAction"),
]


@pytest.mark.parametrize(("method", "target", "body", "status", "code"), SQS_FAILING)
def test_sqs_fails_in_its_json_protocol(
    server: Any, method: str, target: str, body: bytes, status: int, code: str
) -> None:
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"}
    got, answer, data = _send(server, method, "/", body, headers)
    assert got == status
    assert answer["content-type"] == "application/x-amz-json-1.0"
    assert answer["x-amzn-requestid"]
    document = json.loads(data)
    assert document["__type"]
    assert document["message"]
    # SQS's model is query-compatible: botocore takes the code from x-amzn-query-error
    # when it is there, else from `__type`.
    error, meta = _botocore_error("json", got, answer, data)
    assert error["Code"] == code
    assert meta["RequestId"] == answer["x-amzn-requestid"]


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
# (protocol as botocore names it, how the request is made, status, code, message start)
UNSERVED = [
    (
        "query",
        ("POST", "/", b"Action=ListTopics&Version=2010-03-31", {**FORM, **_scope("sns")}),
        400,
        "InvalidAction",
        "Nubis does not serve the 'sns' service",
    ),
    (
        "query",
        ("POST", "/", b"Action=ListQueues&Version=2012-11-05", {**FORM, **_scope("sqs")}),
        400,
        "InvalidAction",
        "Nubis serves 'sqs' in the json protocol only, not query",
    ),
    (
        "rest-xml",
        ("GET", "/", b"", _scope("s3")),
        501,
        "NotImplemented",
        "Nubis does not serve the 's3' service",
    ),
    (
        "smithy-rpc-v2-cbor",
        (
            "POST",
            "/service/CloudWatchOmniFrontend/operation/ListDomains",
            cbor2.dumps({}),
            {"Smithy-Protocol": "rpc-v2-cbor", **_scope("cloudwatch")},
        ),
        400,
        "UnknownOperationException",
        "Nubis does not serve the 'cloudwatch' service",
    ),
    (
        "json",
        ("POST", "/", b"{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables"}),
        400,
        "UnknownOperationException",
        "Nubis does not serve the 'DynamoDB_20120810' service",
    ),
]


@pytest.mark.parametrize(
    ("protocol", "request_", "status", "code", "message"),
    UNSERVED,
    ids=[f"{u[0]}-{u[4].split()[-2]}" for u in UNSERVED],
)
def test_unserved_fails_in_the_clients_protocol(
    server: Any,
    protocol: str,
    request_: tuple[str, str, bytes, dict[str, str]],
    status: int,
    code: str,
    message: str,
) -> None:
    got, headers, body = _send(server, *request_)
    assert got == status
    assert headers["x-amzn-requestid"]
    error, meta = _botocore_error(protocol, got, headers, body)
    assert (error["Code"], error["Message"]) == (code, message)
    if protocol in ("query", "rest-xml"):  # botocore reads these ids from the body
        assert meta["RequestId"] == headers["x-amzn-requestid"]
