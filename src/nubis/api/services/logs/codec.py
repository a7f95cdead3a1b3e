"""CloudWatch Logs' JSON 1.1 protocol as the gateway drives it (`aws_json.JsonService`),
and its word on the tree's errors: a broken model constraint is CloudWatch Logs'
InvalidParameterException (with the "1 validation error detected" text), a body that is
not JSON a SerializationException, an unknown operation UnknownOperationException (400),
its own 5xx ServiceUnavailableException."""

from __future__ import annotations

import logging

from nubis.api.protocols.aws_json import JsonService
from nubis.api.protocols.errors import SerializationException
from nubis.api.protocols.response import WireResponse
from nubis.api.service import OperationResult, Params, Routed
from nubis.control.logs import InvalidFilterPatternError
from nubis.http11 import Request
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    RequestTooLargeException,
    ServiceException,
    UnknownOperationException,
    ValidationException,
)
from nubis.model.logs_errors import InvalidParameterException, LogsError, LogsServiceUnavailable

log = logging.getLogger(__name__)

MSG_INTERNAL = "An internal error occurred; see the server log."
_TARGET_HEADER = "x-amz-target"


class UnknownOperation(LogsError):
    wire_type = "UnknownOperationException"


class LogsCodec:
    """`ServiceCodec` of CloudWatch Logs. Immutable; thread-safe."""

    protocol = "json"

    def __init__(self) -> None:
        self.wire = JsonService("logs")

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
        return self.wire.serialize_error(error.status, error.wire_type, error.message)


def logs_error(error: NubisError) -> NubisError:
    """The tree's errors as CloudWatch Logs sends them (`Service.errors`)."""
    if isinstance(
        error,
        LogsError | InvalidFilterPatternError | RequestTooLargeException | SerializationException,
    ):
        return error
    if isinstance(error, ValidationException):
        return InvalidParameterException(error.message)
    if isinstance(error, InvalidRequestContentException):
        return SerializationException(error.message)
    if isinstance(error, UnknownOperationException):
        return UnknownOperation(error.message)
    if isinstance(error, ServiceException):
        log.error("CloudWatch Logs request failed: %s", error.message)
        return LogsServiceUnavailable(error.message)
    log.error("unmapped error in CloudWatch Logs: %r", error)
    return LogsServiceUnavailable(MSG_INTERNAL)
