"""The SQS-compatible queue service on the gateway (`X-Amz-Target: AmazonSQS.*`, signed
for `sqs`): its operation table over the JSON codec.

    sqs_service(queues)  -> Service("sqs", ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.api.service import Operation, Resource, Service
from nubis.api.services.sqs.codec import sqs_codec, sqs_error
from nubis.api.services.sqs.ops import SqsOperations
from nubis.control.queues import QueueService

TARGET_PREFIX = "AmazonSQS"

# A batch is authorized as its single operation (the Service Authorization Reference has
# no batch actions); ListQueues acts on no queue.
_ACTIONS = {
    "SendMessageBatch": "sqs:SendMessage",
    "DeleteMessageBatch": "sqs:DeleteMessage",
    "ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


def action_of(operation: str) -> str:
    return _ACTIONS.get(operation, f"sqs:{operation}")


def resource_of(queues: QueueService) -> Resource:
    """The queue's ARN (from `QueueUrl`, or `QueueName` for CreateQueue/GetQueueUrl)."""

    def resource(params: Mapping[str, Any]) -> str:
        url = params.get("QueueUrl")
        if url is not None:
            return queues.arn(queues.name_of_url(url))
        name = params.get("QueueName")
        return queues.arn(name) if name is not None else "*"

    return resource


def sqs_service(queues: QueueService) -> Service:
    resource = resource_of(queues)
    table = {
        name: Operation(handler, action_of(name), resource)
        for name, handler in SqsOperations(queues).handlers.items()
    }
    return Service("sqs", sqs_codec(), table, sqs_error, target_prefixes=(TARGET_PREFIX,))


__all__ = ["TARGET_PREFIX", "action_of", "resource_of", "sqs_service"]
