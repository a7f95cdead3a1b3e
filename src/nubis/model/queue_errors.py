"""The queue service's errors, a branch of the one tree (`nubis.model.errors`).

SQS speaks JSON with a query-protocol past: an error has its modeled shape name (the
`__type`, e.g. `QueueDoesNotExist`) and its older query code (the `x-amzn-query-error`
header, e.g. `AWS.SimpleQueueService.NonExistentQueue;Sender`). botocore raises the
exception class named by the shape and reports the query code as `Error.Code`.

    NubisError
    └── QueueError                                   400 Sender unless stated
        ├── QueueDoesNotExist                AWS.SimpleQueueService.NonExistentQueue
        ├── QueueNameExists                  QueueAlreadyExists
        ├── QueueDeletedRecently             AWS.SimpleQueueService.QueueDeletedRecently
        ├── InvalidAttributeName             InvalidAttributeName
        ├── InvalidAttributeValue            InvalidAttributeValue
        ├── InvalidParameterValue            InvalidParameterValue   (unmodeled)
        ├── MissingParameter                 MissingParameter        (unmodeled)
        ├── InvalidMessageContents           InvalidMessageContents
        ├── ReceiptHandleIsInvalid           ReceiptHandleIsInvalid
        ├── MessageNotInflight               AWS.SimpleQueueService.MessageNotInflight
        ├── PurgeQueueInProgress             AWS.SimpleQueueService.PurgeQueueInProgress  403
        ├── EmptyBatchRequest                AWS.SimpleQueueService.EmptyBatchRequest
        ├── TooManyEntriesInBatchRequest     AWS.SimpleQueueService.TooManyEntriesInBatchRequest
        ├── BatchEntryIdsNotDistinct         AWS.SimpleQueueService.BatchEntryIdsNotDistinct
        ├── InvalidBatchEntryId              AWS.SimpleQueueService.InvalidBatchEntryId
        ├── BatchRequestTooLong              AWS.SimpleQueueService.BatchRequestTooLong
        ├── InvalidAddress                   InvalidAddress
        ├── UnsupportedOperation             AWS.SimpleQueueService.UnsupportedOperation
        ├── InvalidAction                    InvalidAction           (unknown operation)
        └── InternalFailure                  InternalFailure         500 Receiver
"""

from __future__ import annotations

from typing import ClassVar

from nubis.model.errors import NubisError


class QueueError(NubisError):
    wire_type = "InvalidParameterValue"
    query_code: ClassVar[str] = "InvalidParameterValue"
    status = 400
    fault = "Sender"
    modeled: ClassVar[bool] = False  # whether botocore's model has a shape of this name


class QueueDoesNotExist(QueueError):
    wire_type = "QueueDoesNotExist"
    query_code = "AWS.SimpleQueueService.NonExistentQueue"
    modeled = True


class QueueNameExists(QueueError):
    wire_type = "QueueNameExists"
    query_code = "QueueAlreadyExists"
    modeled = True


class QueueDeletedRecently(QueueError):
    wire_type = "QueueDeletedRecently"
    query_code = "AWS.SimpleQueueService.QueueDeletedRecently"
    modeled = True


class InvalidAttributeName(QueueError):
    wire_type = "InvalidAttributeName"
    query_code = "InvalidAttributeName"
    modeled = True


class InvalidAttributeValue(QueueError):
    wire_type = "InvalidAttributeValue"
    query_code = "InvalidAttributeValue"
    modeled = True


class InvalidParameterValue(QueueError):
    wire_type = "InvalidParameterValue"
    query_code = "InvalidParameterValue"


class MissingParameter(QueueError):
    wire_type = "MissingParameter"
    query_code = "MissingParameter"


class InvalidMessageContents(QueueError):
    wire_type = "InvalidMessageContents"
    query_code = "InvalidMessageContents"
    modeled = True


class ReceiptHandleIsInvalid(QueueError):
    wire_type = "ReceiptHandleIsInvalid"
    query_code = "ReceiptHandleIsInvalid"
    modeled = True


class MessageNotInflight(QueueError):
    wire_type = "MessageNotInflight"
    query_code = "AWS.SimpleQueueService.MessageNotInflight"
    modeled = True


class PurgeQueueInProgress(QueueError):
    wire_type = "PurgeQueueInProgress"
    query_code = "AWS.SimpleQueueService.PurgeQueueInProgress"
    status = 403  # the API reference's status for it
    modeled = True


class EmptyBatchRequest(QueueError):
    wire_type = "EmptyBatchRequest"
    query_code = "AWS.SimpleQueueService.EmptyBatchRequest"
    modeled = True


class TooManyEntriesInBatchRequest(QueueError):
    wire_type = "TooManyEntriesInBatchRequest"
    query_code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    modeled = True


class BatchEntryIdsNotDistinct(QueueError):
    wire_type = "BatchEntryIdsNotDistinct"
    query_code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    modeled = True


class InvalidBatchEntryId(QueueError):
    wire_type = "InvalidBatchEntryId"
    query_code = "AWS.SimpleQueueService.InvalidBatchEntryId"
    modeled = True


class BatchRequestTooLong(QueueError):
    wire_type = "BatchRequestTooLong"
    query_code = "AWS.SimpleQueueService.BatchRequestTooLong"
    modeled = True


class InvalidAddress(QueueError):
    wire_type = "InvalidAddress"
    query_code = "InvalidAddress"
    modeled = True


class UnsupportedOperation(QueueError):
    wire_type = "UnsupportedOperation"
    query_code = "AWS.SimpleQueueService.UnsupportedOperation"
    modeled = True


class InvalidAction(QueueError):
    wire_type = "InvalidAction"
    query_code = "InvalidAction"


class InternalFailure(QueueError):
    wire_type = "InternalFailure"
    query_code = "InternalFailure"
    status = 500
    fault = "Receiver"
