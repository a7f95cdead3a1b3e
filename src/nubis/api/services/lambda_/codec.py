"""Lambda's REST-JSON protocol as the gateway drives it: `rest_json.RestJsonService` compiled
from botocore's model, with Lambda's server-side limits the model does not state."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.rest_json import RestJsonService
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model import limits
from nubis.model.errors import NubisError

# Lambda's server-side limits that botocore's model does not state.
LAMBDA_OVERLAY: dict[str, dict[str, Any]] = {
    "Timeout": {"max": limits.TIMEOUT_MAX_S},
    "MemorySize": {"max": limits.MEMORY_MAX_MB},
    "EphemeralStorageSize": {"max": limits.EPHEMERAL_MAX_MB},
    # Lambda answers a runtime outside the enum with InvalidParameterValueException and
    # words of its own, not the model's ValidationException: control checks it
    # (`nubis.control.runtimes`).
    "Runtime": {"enum": None},
}


class LambdaCodec:
    """`ServiceCodec` of Lambda. Immutable; thread-safe."""

    protocol = "rest-json"

    def __init__(self) -> None:
        self.wire = RestJsonService("lambda", overlay=LAMBDA_OVERLAY)

    def route(self, request: Request) -> Routed:
        qs = request.query_string
        query = parse_qs(qs, keep_blank_values=True) if qs else {}
        operation, uri_params = self.wire.match(request.method, request.path, query)
        return Routed(operation, (uri_params, query))

    def parse(self, routed: Routed, request: Request) -> Params:
        uri_params, query = routed.state
        return self.wire.parse(routed.operation, uri_params, query, request.headers, request.body)

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        return self.wire.serialize(operation, result.members, result.status)

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        return self.wire.serialize_error(error, request_id)
