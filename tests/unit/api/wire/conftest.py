"""Requests built by botocore's own serializer, responses read by botocore's own parser."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.awsrequest
import botocore.endpoint
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.response
import botocore.serialize
import pytest

from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.rest_json import RestJsonService

# What Lambda enforces beyond the published model (same ValidationException format).
LAMBDA_OVERLAY: dict[str, dict[str, Any]] = {
    "Timeout": {"max": 900},
    "MemorySize": {"max": 10240},
    "EphemeralStorageSize": {"max": 10240},
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, percent-encoded, no query
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="session")
def model() -> botocore.model.ServiceModel:
    loader = botocore.loaders.create_loader()
    return botocore.model.ServiceModel(loader.load_service_model("lambda", "service-2"), "lambda")


@pytest.fixture(scope="session")
def service() -> RestJsonService:
    return RestJsonService("lambda", overlay=LAMBDA_OVERLAY)


@pytest.fixture(scope="session")
def build(model: botocore.model.ServiceModel) -> Callable[[str, Mapping[str, Any]], Request]:
    """A request exactly as a boto3 client would send it (client-side validation off)."""
    serializer = botocore.serialize.create_serializer("rest-json", include_validation=False)

    def make(operation: str, params: Mapping[str, Any]) -> Request:
        request = serializer.serialize_to_request(dict(params), model.operation_model(operation))
        botocore.awsrequest.prepare_request_dict(request, endpoint_url="http://127.0.0.1:9")
        url = urlsplit(request["url"])
        body = request["body"]
        if isinstance(body, str):
            body = body.encode()
        return Request(
            method=request["method"],
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={
                k: v.decode() if isinstance(v, bytes) else v for k, v in request["headers"].items()
            },
            body=body or b"",
        )

    return make


@pytest.fixture(scope="session")
def roundtrip(
    service: RestJsonService, build: Callable[[str, Mapping[str, Any]], Request]
) -> Callable[[str, Mapping[str, Any]], dict[str, Any]]:
    """match + parse of a botocore-built request; asserts the route found is the operation."""

    def run(operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        request = build(operation, params)
        found, uri = service.match(request.method, request.path, request.query)
        assert found == operation
        return service.parse(found, uri, request.query, request.headers, request.body)

    return run


@pytest.fixture(scope="session")
def read(model: botocore.model.ServiceModel) -> Callable[[str, WireResponse], dict[str, Any]]:
    """A response as boto3 sees it: RestJSONParser plus the client's modeled-error fields."""
    parser = botocore.parsers.create_parser("rest-json")

    def parse(operation: str, response: WireResponse) -> dict[str, Any]:
        op = model.operation_model(operation)
        body: Any = response.body
        if response.status < 300 and op.has_streaming_output:
            # As botocore's convert_to_response_dict: a blob payload arrives as a stream.
            body = botocore.response.StreamingBody(io.BytesIO(body), len(body))
        raw = {
            "status_code": response.status,
            "headers": botocore.awsrequest.HeadersDict(response.headers),
            "body": body,
        }
        parsed: dict[str, Any] = parser.parse(raw, op.output_shape)
        if response.status >= 300:
            # The same call botocore's Endpoint makes after parsing an error response.
            botocore.endpoint.Endpoint._add_modeled_error_fields(None, raw, parsed, op, parser)
        return parsed

    return parse


@pytest.fixture(scope="session")
def model_pattern(model: botocore.model.ServiceModel) -> Callable[[str], str]:
    """The pattern of a model shape, as Lambda prints it in its messages."""

    def pattern(shape: str) -> str:
        return str(model.shape_for(shape).metadata["pattern"])

    return pattern
