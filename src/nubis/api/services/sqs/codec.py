"""SQS's JSON protocol as the gateway drives it (`aws_json.JsonService`), and SQS's word
on the tree's errors: SQS answers a missing member with `MissingParameter`, a body that is
not JSON with `SerializationException`, an unknown operation with `InvalidAction` and its
own 5xx with `InternalFailure` (Receiver fault: clients retry it)."""

from __future__ import annotations

import logging

from nubis.api.protocols.aws_json import JsonService
from nubis.api.protocols.errors import SerializationException
from nubis.api.protocols.response import WireResponse
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    RequestTooLargeException,
    ServiceException,
    UnknownOperationException,
    ValidationException,
)
from nubis.model.queue_errors import InternalFailure, MissingParameter, QueueError

log = logging.getLogger(__name__)

MSG_INTERNAL = "An internal error occurred; see the server log."
_TARGET_HEADER = "x-amz-target"


class UnknownOperation(QueueError):
    """An operation SQS's model (or Nubis) does not have: SQS's `__type` with the query
    code botocore reports."""

    wire_type = "UnknownOperationException"
    query_code = "InvalidAction"


class SqsCodec:
    """`ServiceCodec` of SQS. Immutable; thread-safe."""

    protocol = "json"

    def __init__(self) -> None:
        # SQS, unlike Lambda, does not enforce its model's enums and lengths: only
        # required members are checked here, the rest by `nubis.control.queue_rules`.
        self.wire = JsonService("sqs", constraints=False)

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
        query_code = error.query_code if isinstance(error, QueueError) else None
        return self.wire.serialize_error(
            error.status, error.wire_type, error.message, query_code, error.fault
        )


def sqs_error(error: NubisError) -> NubisError:
    """The tree's errors as SQS sends them (`Service.errors`)."""
    if isinstance(error, QueueError | RequestTooLargeException | SerializationException):
        return error
    if isinstance(error, ValidationException):  # only a required member can be missing
        return MissingParameter(error.message)
    if isinstance(error, InvalidRequestContentException):
        return SerializationException(error.message)
    if isinstance(error, UnknownOperationException):
        return UnknownOperation(error.message)
    if isinstance(error, ServiceException):
        log.error("SQS request failed: %s", error.message)
        return InternalFailure(error.message)
    # An error of another service's branch has no SQS form: ours to fix.
    log.error("unmapped error in SQS: %r", error)
    return InternalFailure(MSG_INTERNAL)
