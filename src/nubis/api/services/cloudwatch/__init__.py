"""The CloudWatch metrics API on the gateway (signed for `monitoring`; `X-Amz-Target:
GraniteServiceVersion20100801.*` for JSON): PutMetricData, GetMetricStatistics,
GetMetricData and ListMetrics in CBOR, JSON 1.0 and query (`codec.py`).

    cloudwatch_service(metrics)  -> Service("monitoring", ...)

IAM: each operation is `cloudwatch:<Operation>` on "*" (CloudWatch's metric actions take
no resource).
"""

from __future__ import annotations

import logging

from nubis.api.protocols.errors import SerializationException
from nubis.api.service import Operation, Service
from nubis.api.services.cloudwatch.codec import (
    CloudWatchCodec,
    MissingRequiredParameterException,
)
from nubis.api.services.cloudwatch.ops import MetricsOperations
from nubis.control.cloudwatch.errors import (
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    MetricValidationError,
)
from nubis.control.cloudwatch.service import MetricsService
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    ServiceException,
    ValidationException,
)

log = logging.getLogger(__name__)

TARGET_PREFIX = "GraniteServiceVersion20100801"


class InvalidParameterValueException(NubisError):
    wire_type = "InvalidParameterValueException"  # the model's shapes: code, 400, Sender
    status = 400


class InvalidParameterCombinationException(NubisError):
    wire_type = "InvalidParameterCombinationException"
    status = 400


class CloudWatchValidationException(NubisError):
    wire_type = "ValidationException"  # code ValidationError
    status = 400


class InternalServiceFault(NubisError):
    wire_type = "InternalServiceFault"  # code InternalServiceError, 500
    status = 500
    fault = "Service"


def cloudwatch_error(error: NubisError) -> NubisError:
    """control's errors as the model's exception shapes (so CBOR and JSON carry the
    shape's `__type` and all three protocols the shape's code)."""
    if isinstance(error, InvalidParameterValueError):
        return InvalidParameterValueException(error.message)
    if isinstance(error, InvalidParameterCombinationError):
        return InvalidParameterCombinationException(error.message)
    if isinstance(error, MetricValidationError):
        return CloudWatchValidationException(error.message)
    if isinstance(error, ValidationException):  # the JSON codec's missing member
        return MissingRequiredParameterException(error.message)
    if isinstance(error, InvalidRequestContentException):
        return SerializationException(error.message)
    if isinstance(error, ServiceException):
        log.error("CloudWatch request failed: %s", error.message)
        return InternalServiceFault(error.message)
    return error


def cloudwatch_service(metrics: MetricsService) -> Service:
    table = {
        name: Operation(handler, f"cloudwatch:{name}")
        for name, handler in MetricsOperations(metrics).handlers.items()
    }
    return Service(
        "monitoring",
        CloudWatchCodec(),
        table,
        cloudwatch_error,
        target_prefixes=(TARGET_PREFIX,),
    )


__all__ = ["TARGET_PREFIX", "cloudwatch_error", "cloudwatch_service"]
