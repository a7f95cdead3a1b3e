"""Input that used to get a 5xx gets the protocol's 4xx instead: JSON nested 100k levels
deep (Lambda and SQS), SQS batch entries without their required members, a logs `tail`
that is not a number. Raw HTTP against a real server; the server stays up."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import ROLE, Server, lambda_client, make_zip, running_server

DEPTH = 100_000
SQS_JSON = "application/x-amz-json-1.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("bad-input") / "data") as srv:
        yield srv


def _send(
    server: Server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _sqs(server: Server, operation: str, body: bytes) -> tuple[int, dict[str, Any]]:
    status, _, data = _send(
        server,
        "POST",
        "/",
        body,
        {"X-Amz-Target": f"AmazonSQS.{operation}", "Content-Type": SQS_JSON},
    )
    return status, json.loads(data)


def _deep(kind: str) -> bytes:
    if kind == "list":
        return b"[" * DEPTH + b"]" * DEPTH
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


@pytest.mark.parametrize("kind", ["list", "object"])
def test_lambda_deep_json_is_invalid_request_content(server: Server, kind: str) -> None:
    status, headers, body = _send(server, "POST", "/2015-03-31/functions", _deep(kind))
    assert status == 400
    assert headers["x-amzn-errortype"] == "InvalidRequestContentException"
    assert json.loads(body)["message"].startswith("Could not parse request body into json: ")


def test_lambda_deep_invoke_payload_is_invalid_request_content(server: Server) -> None:
    client = lambda_client(server.endpoint)
    client.create_function(
        FunctionName="deep-payload",
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": make_zip({"lambda_function.py": "def handler(e, c):\n    return 1\n"})},
    )
    status, headers, body = _send(
        server, "POST", "/2015-03-31/functions/deep-payload/invocations", _deep("list")
    )
    assert status == 400
    assert headers["x-amzn-errortype"] == "InvalidRequestContentException"
    assert json.loads(body)["message"].startswith("Could not parse request body into json: ")
    assert client.invoke(FunctionName="deep-payload")["Payload"].read() == b"1"
    client.close()


@pytest.mark.parametrize("kind", ["list", "object"])
def test_sqs_deep_json_is_a_serialization_error(server: Server, kind: str) -> None:
    status, body = _sqs(server, "SendMessage", _deep(kind))
    assert status == 400
    assert body["__type"].endswith("#SerializationException")
    assert body["message"].startswith("Could not parse request body into json: ")


def _queue_url(server: Server) -> str:
    status, body = _sqs(server, "CreateQueue", json.dumps({"QueueName": "bad-input"}).encode())
    assert status == 200
    return str(body["QueueUrl"])


def test_sqs_deep_policy_is_an_invalid_attribute(server: Server) -> None:
    policy = "[" * DEPTH + "]" * DEPTH
    body = json.dumps({"QueueUrl": _queue_url(server), "Attributes": {"Policy": policy}})
    status, answer = _sqs(server, "SetQueueAttributes", body.encode())
    assert status == 400
    assert answer["__type"].endswith("#InvalidAttributeValue")


@pytest.mark.parametrize(
    ("operation", "entry", "missing"),
    [
        ("DeleteMessageBatch", {"Id": "a"}, "DeleteMessageBatchRequestEntry.1.ReceiptHandle"),
        ("DeleteMessageBatch", {"ReceiptHandle": "x"}, "DeleteMessageBatchRequestEntry.1.Id"),
        (
            "ChangeMessageVisibilityBatch",
            {"Id": "a"},
            "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
        ),
        ("SendMessageBatch", {"Id": "a"}, "SendMessageBatchRequestEntry.1.MessageBody"),
    ],
)
def test_sqs_batch_entry_without_required_member(
    server: Server, operation: str, entry: dict[str, str], missing: str
) -> None:
    body = json.dumps({"QueueUrl": _queue_url(server), "Entries": [entry]}).encode()
    status, headers, data = _send(
        server,
        "POST",
        "/",
        body,
        {"X-Amz-Target": f"AmazonSQS.{operation}", "Content-Type": SQS_JSON},
    )
    assert status == 400
    answer = json.loads(data)
    assert answer["__type"].endswith("#MissingParameter")
    assert answer["message"] == f"The request must contain the parameter {missing}."
    assert headers["x-amzn-query-error"] == "MissingParameter;Sender"


@pytest.mark.parametrize("tail", ["abc", "-1", "1.5", "%D9%A3"])
def test_logs_tail_not_a_number(server: Server, tail: str) -> None:
    status, headers, body = _send(server, "GET", f"/_nubis/logs/x?tail={tail}")
    assert status == 400
    assert headers["x-amzn-errortype"] == "InvalidParameterValueException"
    assert "tail" in json.loads(body)["message"]


def test_server_still_serves(server: Server) -> None:
    status, _, _ = _send(server, "GET", "/2015-03-31/functions")
    assert status == 200
    assert server.proc.poll() is None
