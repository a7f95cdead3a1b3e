"""The gateway's codec for a service whose botocore model says `"protocol": "json"`
(`X-Amz-Target: <prefix>.<Operation>`, POST /): SQS, CloudWatch Logs, and the JSON
services to come. What differs between them is their word on the tree's errors (each
service's `errors` mapping), not the envelope.

    Service("logs", JsonCodec("logs"), table, logs_error, target_prefixes=("Logs_20140328",))
"""

from __future__ import annotations

from nubis.api.protocols.aws_json import JsonService
from nubis.api.protocols.response import WireResponse
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model.errors import NubisError, UnknownOperationException

_TARGET_HEADER = "x-amz-target"


class JsonCodec:
    """`ServiceCodec` of one JSON-protocol service. Immutable; thread-safe.

    `constraints=False` checks only required members (SQS does not enforce its model's
    enums and lengths; its control does). An error with a `query_code` (a query-compatible
    model such as SQS's) also sends `x-amzn-query-error`, which botocore reads as the code.
    """

    protocol = "json"

    def __init__(self, service: str, *, constraints: bool = True) -> None:
        self.wire = JsonService(service, constraints=constraints)

    def route(self, request: Request) -> Routed:
        target = request.headers.get(_TARGET_HEADER, "")
        if request.method != "POST":
            raise UnknownOperationException(f"No route for {request.method} with {target}")
        return Routed(self.wire.operation_of(target))

    def parse(self, routed: Routed, request: Request) -> Params:
        return self.wire.parse(routed.operation, request.body)

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        return self.wire.serialize(operation, result.members)

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        query_code: str | None = getattr(error, "query_code", None)
        if query_code is None:
            return self.wire.serialize_error(error.status, error.wire_type, error.message)
        return self.wire.serialize_error(
            error.status, error.wire_type, error.message, query_code, error.fault
        )
