"""The wire form of Nubis's own endpoints: plain GETs under `/_nubis/`, answered with raw
bodies; errors in Lambda's REST-JSON shape (the same `x-amzn-errortype` and JSON body
as every Lambda error, which `nubis` and boto3 users already read).

    GET /_nubis/code/<sha256>.zip        GetCode    {"Sha256"}
    GET /_nubis/logs/<function>?tail=N   GetLogs    {"FunctionName", "Tail"}
    GET /_nubis/health                   GetHealth  {}
    GET /metrics                         GetMetrics {}   (Prometheus's conventional path)

The gateway sends `/metrics` here too (`METRICS_PATH`): Prometheus scrapes it unsigned.
"""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import parse_qs, unquote

from nubis.api import constants
from nubis.api.protocols.response import WireResponse
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model.errors import InvalidParameterValueException, NubisError, UnknownOperationException

PREFIX = "/_nubis/"
_CODE_PATH = re.compile(r"^/_nubis/code/([0-9a-f]{64})\.zip$")
_LOGS_PATH = "/_nubis/logs/"
_HEALTH_PATH = "/_nubis/health"
METRICS_PATH = "/metrics"


class ErrorRenderer(Protocol):
    """What renders the errors (Lambda's codec); never raises."""

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse: ...


def tail_of(text: str) -> int:
    """The `tail` parameter of the logs endpoint: a count of lines, 0 (or absent) for all."""
    if not text:
        return 0
    if not text.isdigit() or not text.isascii():
        raise InvalidParameterValueException(
            f"Invalid value '{text}' for parameter tail: a non-negative integer is required."
        )
    return int(text)


class NubisCodec:
    """`ServiceCodec` of `/_nubis/`. Immutable; thread-safe."""

    protocol = "rest-json"

    def __init__(self, errors: ErrorRenderer) -> None:
        self._errors = errors

    def route(self, request: Request) -> Routed:
        path = request.path
        if request.method == "GET":
            if _CODE_PATH.match(path) is not None:
                return Routed("GetCode")
            if path.startswith(_LOGS_PATH):
                return Routed("GetLogs")
            if path == _HEALTH_PATH:
                return Routed("GetHealth")
            if path == METRICS_PATH:
                return Routed("GetMetrics")
        raise UnknownOperationException(f"No route for {request.method} {path}")

    def parse(self, routed: Routed, request: Request) -> Params:
        if routed.operation == "GetCode":
            found = _CODE_PATH.match(request.path)
            assert found is not None  # routed here by the same pattern
            return {"Sha256": found.group(1)}
        if routed.operation == "GetLogs":
            query = parse_qs(request.query_string)
            return {
                "FunctionName": unquote(request.path[len(_LOGS_PATH) :]),
                "Tail": tail_of(query.get("tail", [""])[0]),
            }
        return {}

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        content_type = result.members["ContentType"]
        return WireResponse(
            result.status or 200,
            {constants.CONTENT_TYPE_HEADER: content_type},
            result.members["Body"],
        )

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        return self._errors.serialize_error(error, request_id)
