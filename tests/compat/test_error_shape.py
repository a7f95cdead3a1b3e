"""Every endpoint fails the same way: Lambda's JSON error body, `x-amzn-errortype` and a
request id, whatever part of Nubis raised the error."""

from __future__ import annotations

import contextlib
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

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
