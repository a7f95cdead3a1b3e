"""botocore clients against a real `nubis.http11` server whose handler verifies each
request: the path, query and headers as the server parses them off the wire (latin-1
strings of the bytes sent) verify, and a wrong secret gets AWS's error, which botocore
reads back."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import botocore.session
import pytest

from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import Verifier
from nubis.http.sigv4_errors import Family, SigV4Error, wire_error
from nubis.http11 import HttpServer, Request, Response

ACCESS_KEY = "AKIDWIRE"
SECRET = "wire/SECRET+key"


def _handler(verifier: Verifier) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        try:
            await verifier.verify(
                request.method,
                request.path,
                request.query_string,
                request.headers,
                request.body,
                time.time(),
            )
        except SigV4Error as error:
            code, status, message = wire_error(error, Family.JSON)
            body = json.dumps({"__type": code, "message": message}).encode()
            return Response(status, {"x-amzn-ErrorType": code}, body)
        return Response(200, {"content-type": "application/json"}, b"{}")

    return handle


def _call(port: int, secret: str, operation: str, **params: Any) -> Any:
    client = botocore.session.Session().create_client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
    )
    try:
        return getattr(client, operation)(**params)
    finally:
        client.close()


def _serve_and_call(secret: str, operation: str, **params: Any) -> Any:
    async def main() -> Any:
        verifier = Verifier(MemorySecrets([KeyRecord(ACCESS_KEY, SECRET)]))
        server = HttpServer(_handler(verifier), max_body=1 << 20)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        await server.listen(sock)
        try:
            return await asyncio.to_thread(_call, port, secret, operation, **params)
        finally:
            await server.close()

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("get_function", {"FunctionName": "my:fn é/x y"}),
        ("list_functions", {"Marker": "a b+c/é&=", "MaxItems": 3}),
        ("invoke", {"FunctionName": "f", "Payload": '{"emoji": "😀", "a": "x  y"}'.encode()}),
    ],
    ids=["path", "query", "body"],
)
def test_requests_off_the_wire_verify(operation: str, params: dict[str, Any]) -> None:
    _serve_and_call(SECRET, operation, **params)


def test_a_wrong_secret_gets_aws_s_error_back() -> None:
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _serve_and_call("not-the-secret", "get_function", FunctionName="f")
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidSignatureException"
    assert error["Message"].startswith("The request signature we calculated does not match")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
