"""A codec of `nubis.api.protocols` (query, rest-xml, CBOR: compiled from botocore's model
of a service) as the gateway drives it (`ServiceCodec`). A service of those protocols is
then an operation table and nothing else:

    Service("sts", ModelCodec(codec_for("sts")), {"GetCallerIdentity": Operation(...)})
"""

from __future__ import annotations

from nubis.api.protocols import Codec, WireRequest
from nubis.api.protocols.response import WireResponse
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model.errors import NubisError


class ModelCodec:
    """`ServiceCodec` over a `protocols.Codec`. Immutable; thread-safe."""

    def __init__(self, codec: Codec) -> None:
        self._codec = codec
        self.protocol = codec.protocol

    def route(self, request: Request) -> Routed:
        wire = WireRequest(
            request.method, request.path, request.query_string, request.headers, request.body
        )
        return Routed(self._codec.operation(wire), wire)

    def parse(self, routed: Routed, request: Request) -> Params:
        wire: WireRequest = routed.state
        return self._codec.parse(routed.operation, wire)

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        response = self._codec.serialize(operation, result.members, request_id)
        if result.status is None:
            return response
        return WireResponse(result.status, response.headers, response.body)

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        return self._codec.serialize_error(error, request_id)
