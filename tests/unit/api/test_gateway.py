"""The gateway's pipeline with fake services: which service a request reaches, the fixed
steps in order, and that every failure leaves through the service's error mapping and
codec."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from nubis.api.gateway import Gateway, credential_of
from nubis.api.protocols.response import WireResponse
from nubis.api.request_ids import RequestIds
from nubis.api.service import (
    Operation,
    OperationRequest,
    OperationResult,
    Params,
    Routed,
    Service,
)
from nubis.control.functions import Principal
from nubis.http11 import Request
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    ResourceNotFoundException,
    ValidationException,
)


class FakeCodec:
    """Operation = the path's last segment; params = the JSON body; errors as JSON."""

    protocol = "rest-json"

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def route(self, request: Request) -> Routed:
        return Routed(request.path.rsplit("/", 1)[-1])

    def parse(self, routed: Routed, request: Request) -> Params:
        return dict(json.loads(request.body or b"{}"))

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        body = {"service": self.tag, **result.members}
        return WireResponse(result.status or 200, {}, json.dumps(body).encode())

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        body = {"service": self.tag, "code": error.wire_type, "message": error.message}
        return WireResponse(error.status, {}, json.dumps(body).encode())


class RecordingAuthorizer:
    """The in-memory authorizer: records every question, refuses what it is told to."""

    def __init__(self, refuse: str | None = None) -> None:
        self.asked: list[tuple[str | None, str, str]] = []
        self.refuse = refuse

    async def authorize(self, principal: Principal, action: str, resource: str) -> None:
        self.asked.append((principal.access_key, action, resource))
        if action == self.refuse:
            raise NubisError("denied")  # a stand-in for IAM's AccessDenied


calls: list[OperationRequest] = []


async def echo(request: OperationRequest) -> OperationResult:
    calls.append(request)
    return OperationResult({"operation": request.operation, "params": request.params})


async def missing(request: OperationRequest) -> OperationResult:
    raise ResourceNotFoundException("no such thing")


async def crash(request: OperationRequest) -> OperationResult:
    raise RuntimeError("a bug")


async def too_deep(request: OperationRequest) -> OperationResult:
    raise RecursionError


def resource(params: Mapping[str, Any]) -> str:
    return f"arn:thing:{params.get('Name', '*')}"


def table() -> dict[str, Operation]:
    return {
        "Echo": Operation(echo, "svc:Echo", resource),
        "Missing": Operation(missing, "svc:Missing"),
        "Crash": Operation(crash, "svc:Crash"),
        "TooDeep": Operation(too_deep, "svc:TooDeep"),
    }


def as_validation(error: NubisError) -> NubisError:
    if isinstance(error, ResourceNotFoundException):
        return ValidationException(f"mapped: {error.message}")
    return error


def gateway(**kwargs: Any) -> Gateway:
    return Gateway(
        [
            Service("lambda", FakeCodec("lambda"), table()),
            Service("sqs", FakeCodec("sqs"), table(), as_validation, target_prefixes=("Q",)),
            Service("nubis", FakeCodec("nubis"), table()),
        ],
        **kwargs,
    )


def request(path: str, body: bytes = b"", **headers: str) -> Request:
    return Request("POST", path, "", dict(headers), body, host="h:1")


def answer(gw: Gateway, req: Request) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    response = asyncio.run(gw.handle(req))
    return response.status, json.loads(response.body), response.headers


SIGNED_SQS = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, S=0"


@pytest.mark.parametrize(
    ("req", "service"),
    [
        (request("/x/Echo"), "lambda"),
        (request("/_nubis/Echo"), "nubis"),
        (request("/x/Echo", **{"x-amz-target": "Q.Echo"}), "sqs"),
        # The credential scope is asked first, then the target, then the path.
        (request("/_nubis/Echo", authorization=SIGNED_SQS), "sqs"),
        (request("/x/Echo", **{"x-amz-target": "Q.Echo", "authorization": SIGNED_SQS}), "sqs"),
    ],
)
def test_resolves_the_service(req: Request, service: str) -> None:
    status, body, headers = answer(gateway(), req)
    assert (status, body["service"]) == (200, service)
    assert headers["x-amzn-RequestId"]


def test_unserved_scope_and_target_are_answered_in_the_clients_protocol() -> None:
    signed = "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/logs/aws4_request, S=0"
    status, body, _ = answer(gateway(), request("/", b"{}", authorization=signed))
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert body["message"] == "Nubis does not serve the 'logs' service"
    status, body, _ = answer(gateway(), request("/", b"{}", **{"x-amz-target": "Kinesis.X"}))
    assert body["message"] == "Nubis does not serve the 'Kinesis' service"


def test_steps_in_order_with_principal_params_and_base_url() -> None:
    calls.clear()
    authorizer = RecordingAuthorizer()
    signed = SIGNED_SQS.replace("/sqs/", "/lambda/")
    status, body, headers = answer(
        gateway(authorizer=authorizer), request("/x/Echo", b'{"Name": "n"}', authorization=signed)
    )
    assert (status, body["params"]) == (200, {"Name": "n"})
    assert authorizer.asked == [("AKID", "svc:Echo", "arn:thing:n")]
    (call,) = calls
    assert call.principal == Principal("AKID")
    assert (call.base_url, call.request_id) == ("http://h:1", headers["x-amzn-RequestId"])


def test_a_refusal_stops_before_the_call() -> None:
    calls.clear()
    status, body, _ = answer(
        gateway(authorizer=RecordingAuthorizer(refuse="svc:Echo")), request("/x/Echo")
    )
    assert (status, body["message"]) == (500, "denied")
    assert calls == []


@pytest.mark.parametrize(
    ("path", "service", "status", "code", "message"),
    [
        ("/x/Nope", "lambda", 404, "UnknownOperationException", "not supported by Nubis"),
        ("/x/Missing", "lambda", 404, "ResourceNotFoundException", "no such thing"),
        ("/x/Crash", "lambda", 500, "ServiceException", "internal error"),
        ("/x/TooDeep", "lambda", 400, "InvalidRequestContentException", "nesting depth"),
        ("/x/Echo", "lambda", 400, "InvalidRequestContentException", "not json"),
    ],
)
def test_every_failure_is_rendered_by_the_codec(
    path: str, service: str, status: int, code: str, message: str
) -> None:
    body = b"not json" if message == "not json" else b""
    gw = gateway()
    if message == "not json":
        # The fake codec's parse fails the way a real one does on a bad body.
        codec: Any = gw._by_scope["lambda"].codec

        def bad(routed: Routed, req: Request) -> Params:
            raise InvalidRequestContentException("not json")

        codec.parse = bad
    got, answered, _ = answer(gw, request(path, body))
    assert (got, answered["service"], answered["code"]) == (status, service, code)
    assert message in answered["message"]


def test_the_services_error_mapping_applies() -> None:
    status, body, _ = answer(gateway(), request("/Missing", **{"x-amz-target": "Q.Missing"}))
    assert (status, body["code"], body["message"]) == (
        400,
        "ValidationException",
        "mapped: no such thing",
    )


def test_a_body_past_the_limit_is_refused_after_routing() -> None:
    req = request("/x/Echo")
    req.body_too_large = True
    status, body, _ = answer(gateway(), req)
    assert (status, body["code"]) == (413, "RequestTooLargeException")
    assert "for the Echo operation" in body["message"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/lambda/aws4_request, S=x",
            ("AK", "lambda"),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/monitoring/aws4_request",
            ("AK", "monitoring"),
        ),
        ("AWS4-HMAC-SHA256 Credential=AK/, Signature=0", ("AK", None)),
        ("Bearer token", (None, None)),
        ("", (None, None)),
    ],
)
def test_credential_scope(header: str, expected: tuple[str | None, str | None]) -> None:
    assert credential_of(header) == expected


def test_request_ids_are_distinct_version_4_uuids() -> None:
    ids = RequestIds()
    seen = {ids.next() for _ in range(1000)}  # past one batch of the pool
    assert len(seen) == 1000
    for text in seen:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
