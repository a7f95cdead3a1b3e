"""SQS's JSON protocol as the gateway drives it (`nubis.api.json_codec`), and SQS's word
on the tree's errors: SQS answers a missing member with `MissingParameter`, a body that is
not JSON with `SerializationException`, an unknown operation with `InvalidAction` and its
own 5xx with `InternalFailure` (Receiver fault: clients retry it)."""

from __future__ import annotations

import logging

from nubis.api.json_codec import JsonCodec
from nubis.api.protocols.errors import SerializationException
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


class UnknownOperation(QueueError):
    """An operation SQS's model (or Nubis) does not have: SQS's `__type` with the query
    code botocore reports."""

    wire_type = "UnknownOperationException"
    query_code = "InvalidAction"


def sqs_codec() -> JsonCodec:
    """SQS, unlike Lambda, does not enforce its model's enums and lengths: only required
    members are checked by the codec, the rest by `nubis.control.queue_rules`."""
    return JsonCodec("sqs", constraints=False)


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
