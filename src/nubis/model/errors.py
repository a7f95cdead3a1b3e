"""The one error tree of Nubis. Each error carries its wire name and HTTP status.

    NubisError                              (wire name, HTTP status, "Type")
    ├── ServiceException                    500 Service
    │   └── StorageFullException            500 Service  (data volume full; wire name
    │                                                     ServiceException, as Lambda's)
    ├── ResourceNotFoundException           404 User
    ├── ProvisionedConcurrencyConfigNotFoundException  404 User
    ├── ResourceConflictException           409 User
    ├── ValidationException                 400 User   (service-model constraint broken)
    ├── InvalidParameterValueException      400 User   (semantically wrong value)
    ├── InvalidRequestContentException      400 User   (payload is not JSON, bad body)
    ├── RequestTooLargeException            413 User
    ├── RequestEntityTooLargeException      413 User   (a zip over the direct-upload limit)
    ├── UnsupportedMediaTypeException       415 User
    ├── PreconditionFailedException         412 User   (stale RevisionId)
    ├── TooManyRequestsException            429 User   (throttled; carries Reason)
    ├── ResourceNotReadyException           502 Service
    └── UnknownOperationException           404 User   (no such route)

Errors raised inside a function are not exceptions of this tree: they are results with
`X-Amz-Function-Error` (see `nubis.model.function.InvokeResult`).
Foreign errors are mapped at the edge with `raise X(...) from exc`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class NubisError(Exception):
    """Base of every error that crosses the API. `extra` fields go into the error body."""

    wire_type: ClassVar[str] = "ServiceException"
    status: ClassVar[int] = 500
    fault: ClassVar[str] = "User"  # Lambda's "Type" field: "User" or "Service"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON error body as Lambda sends it (botocore reads `message`)."""
        return {"Type": self.fault, "message": self.message, **self.extra}


class ServiceException(NubisError):
    wire_type = "ServiceException"
    status = 500
    fault = "Service"


class StorageFullException(ServiceException):
    """The data volume has no space (ENOSPC, EDQUOT, SQLite's SQLITE_FULL): nothing of
    the request was stored. Lambda has no error of its own for this; its 5xx is
    ServiceException, so that is the wire name (SQS renders it as InternalFailure)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or MSG_STORAGE_FULL)


MSG_STORAGE_FULL = (
    "Nubis could not store the request: no space left on the data volume. "
    "Free space on it and retry."
)


class ResourceNotFoundException(NubisError):
    wire_type = "ResourceNotFoundException"
    status = 404


class ProvisionedConcurrencyConfigNotFoundException(NubisError):
    wire_type = "ProvisionedConcurrencyConfigNotFoundException"
    status = 404


class ResourceConflictException(NubisError):
    wire_type = "ResourceConflictException"
    status = 409


class ValidationException(NubisError):
    wire_type = "ValidationException"
    status = 400


class InvalidParameterValueException(NubisError):
    wire_type = "InvalidParameterValueException"
    status = 400


class InvalidRequestContentException(NubisError):
    wire_type = "InvalidRequestContentException"
    status = 400


class RequestTooLargeException(NubisError):
    wire_type = "RequestTooLargeException"
    status = 413


class RequestEntityTooLargeException(NubisError):
    """A code package over the direct-upload limit (not in botocore's model; boto3 shows
    the wire name as the code)."""

    wire_type = "RequestEntityTooLargeException"
    status = 413


class UnsupportedMediaTypeException(NubisError):
    wire_type = "UnsupportedMediaTypeException"
    status = 415


class PreconditionFailedException(NubisError):
    wire_type = "PreconditionFailedException"
    status = 412


class TooManyRequestsException(NubisError):
    wire_type = "TooManyRequestsException"
    status = 429


# TooManyRequestsException's message and `Reason`s, as Lambda sends them.
MSG_RATE_EXCEEDED = "Rate Exceeded."
REASON_RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
REASON_ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"


class ResourceNotReadyException(NubisError):
    wire_type = "ResourceNotReadyException"
    status = 502
    fault = "Service"


class UnknownOperationException(NubisError):
    wire_type = "UnknownOperationException"
    status = 404
