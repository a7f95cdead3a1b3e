"""CloudWatch Logs' errors, a branch of the one tree (`nubis.model.errors`).

CloudWatch Logs answers every client error with HTTP 400, ResourceNotFoundException
included (unlike Lambda's 404); botocore raises the exception class the `__type` names.

    NubisError
    └── LogsError                                  400
        ├── InvalidParameterException              (also a broken model constraint)
        ├── ResourceNotFound                       ResourceNotFoundException
        ├── ResourceAlreadyExistsException
        ├── TooManyTagsException
        └── LogsServiceUnavailable                 ServiceUnavailableException  500
"""

from __future__ import annotations

from nubis.model.errors import NubisError

MSG_NO_GROUP = "The specified log group does not exist."
MSG_NO_STREAM = "The specified log stream does not exist."
MSG_GROUP_EXISTS = "The specified log group already exists"
MSG_STREAM_EXISTS = "The specified log stream already exists"
MSG_BAD_TOKEN = "The specified nextToken is invalid."
MSG_NOT_CHRONOLOGICAL = (
    "Log events in a single PutLogEvents request must be in chronological order."
)
MSG_SPAN = (
    "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
)
MSG_TOO_LARGE = "Upload too large: {size} bytes exceeds limit of {limit}"
MSG_EVENT_TOO_LARGE = "Log event too large: {size} bytes exceeds limit of {limit}"
MSG_ORDER_PREFIX = "Cannot order by LastEventTime with a logStreamNamePrefix."
MSG_NAMES_AND_PREFIX = "logStreamNames and logStreamNamePrefix are mutually exclusive"
MSG_PREFIX_AND_PATTERN = (
    "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
)
MSG_IDENTIFIERS_AND_NAMES = (
    "logGroupIdentifiers cannot be specified with logGroupNamePrefix or logGroupNamePattern."
)
MSG_NAME_AND_ARN = "LogGroup name and LogGroup ARN are mutually exclusive parameters."
MSG_NAME_OR_ARN = "Should provide either name or ARN for the log group."
MSG_BAD_ARN = "Invalid resource arn: {arn}"
MSG_TOO_MANY_TAGS = "A resource can have no more than 50 tags."


class LogsError(NubisError):
    wire_type = "InvalidParameterException"
    status = 400


class InvalidParameterException(LogsError):
    wire_type = "InvalidParameterException"


class ResourceNotFound(LogsError):
    wire_type = "ResourceNotFoundException"


class ResourceAlreadyExistsException(LogsError):
    wire_type = "ResourceAlreadyExistsException"


class TooManyTagsException(LogsError):
    wire_type = "TooManyTagsException"


class LogsServiceUnavailable(LogsError):
    wire_type = "ServiceUnavailableException"
    status = 500
    fault = "Service"
