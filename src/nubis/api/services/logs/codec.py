"""CloudWatch Logs' JSON 1.1 protocol as the gateway drives it (`nubis.api.json_codec`),
and its word on the tree's errors: a broken model constraint is CloudWatch Logs'
InvalidParameterException (with the "1 validation error detected" text), a body that is
not JSON a SerializationException, an unknown operation UnknownOperationException (400),
its own 5xx ServiceUnavailableException."""

from __future__ import annotations

import logging

from nubis.api.protocols.errors import SerializationException
from nubis.control.logs import InvalidFilterPatternError
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


class UnknownOperation(LogsError):
    wire_type = "UnknownOperationException"


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
