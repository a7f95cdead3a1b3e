"""A service of a model-compiled protocol (query here: STS) is an operation table on the
gateway: botocore's own serializer makes the request, botocore's own parser reads the
answer and the errors."""

from __future__ import annotations

import asyncio
from typing import Any

from nubis.api.gateway import Gateway
from nubis.api.model_codec import ModelCodec
from nubis.api.protocols import WireRequest, codec_for
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.shapes import load_service
from nubis.api.service import Operation, OperationRequest, OperationResult, Service
from nubis.http11 import Request
from tests.unit.api.protocols.botocore_side import parse_response, request_for

SCOPE = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, S=0"


async def caller_identity(request: OperationRequest) -> OperationResult:
    key = request.principal.access_key
    return OperationResult(
        {"UserId": key, "Account": "123456789012", "Arn": f"arn:aws:iam::123456789012:user/{key}"}
    )


def sts_gateway() -> Gateway:
    table = {"GetCallerIdentity": Operation(caller_identity, "sts:GetCallerIdentity")}
    return Gateway([Service("sts", ModelCodec(codec_for("sts")), table)])


def call(gateway: Gateway, wire: WireRequest) -> WireResponse:
    headers = {k.lower(): v for k, v in wire.headers.items()}
    headers["authorization"] = SCOPE
    request = Request(wire.method, wire.path, wire.query, headers, wire.body, host="h")
    response = asyncio.run(gateway.handle(request))
    return WireResponse(response.status, dict(response.headers), response.body)


def parsed(operation: str, response: WireResponse) -> dict[str, Any]:
    shape = load_service("sts").operation_model(operation).output_shape
    return parse_response("query", response, shape)


def test_a_query_service_answers_through_the_pipeline() -> None:
    response = call(sts_gateway(), request_for("query", "sts", "GetCallerIdentity", {}))
    assert response.status == 200
    assert parsed("GetCallerIdentity", response) == {
        "UserId": "AKID",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/AKID",
    }


def test_an_operation_of_the_model_nubis_does_not_serve_is_a_query_error() -> None:
    response = call(sts_gateway(), request_for("query", "sts", "GetSessionToken", {}))
    assert response.status == 404
    error = parsed("GetSessionToken", response)["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "GetSessionToken is not supported by Nubis" in error["Message"]


def test_an_action_the_model_lacks_is_invalid_action() -> None:
    wire = request_for("query", "sts", "GetCallerIdentity", {})
    body = wire.body.replace(b"GetCallerIdentity", b"NoSuchAction")
    response = call(
        sts_gateway(), WireRequest(wire.method, wire.path, wire.query, wire.headers, body)
    )
    error = parsed("GetCallerIdentity", response)["Error"]
    assert (response.status, error["Code"]) == (400, "InvalidAction")
