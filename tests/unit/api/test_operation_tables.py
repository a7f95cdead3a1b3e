"""Each service's operation table: every operation names the IAM action and the resource
the authorize step will ask about (Service Authorization Reference names)."""

from __future__ import annotations

from typing import Any

import botocore.loaders
import pytest

from nubis.api.services.lambda_ import action_of, lambda_service, resource_of
from nubis.api.services.lambda_.async_ops import AsyncOperations
from nubis.api.services.lambda_.ops import LambdaOperations
from nubis.api.services.lambda_.version_ops import VersionOperations
from nubis.api.services.sqs import action_of as sqs_action_of
from nubis.api.services.sqs import resource_of as sqs_resource_of
from nubis.api.services.sqs import sqs_service
from nubis.control.functions import Account, FunctionService
from nubis.control.queues import QueueService
from nubis.model.clock import SystemClock

ACCOUNT = Account("us-east-1", "123456789012", 1000)


def functions() -> Any:
    # Only `account`, `arn` and `parse_ref` are used by the resource mapping.
    service = FunctionService.__new__(FunctionService)
    service.account = ACCOUNT
    return service


def lambda_handlers() -> dict[str, Any]:
    none: Any = None
    return {
        **LambdaOperations(none, none).handlers,
        **VersionOperations(none, none, none, none, none).handlers,
        **AsyncOperations(none).handlers,
    }


def test_every_lambda_operation_is_in_the_model_and_has_an_action() -> None:
    model = botocore.loaders.create_loader().load_service_model("lambda", "service-2")
    service = lambda_service(functions(), lambda_handlers())
    assert set(service.operations) <= set(model["operations"])
    for name, operation in service.operations.items():
        assert operation.action.startswith("lambda:"), name
    assert service.operations["Invoke"].action == "lambda:InvokeFunction"
    assert action_of("GetLayerVersionByArn") == "lambda:GetLayerVersion"
    assert action_of("CreateAlias") == "lambda:CreateAlias"


@pytest.mark.parametrize(
    ("params", "arn"),
    [
        ({"FunctionName": "f"}, "arn:aws:lambda:us-east-1:123456789012:function:f"),
        (
            {"FunctionName": "f", "Qualifier": "live"},
            "arn:aws:lambda:us-east-1:123456789012:function:f:live",
        ),
        (
            {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f:3"},
            "arn:aws:lambda:us-east-1:123456789012:function:f:3",
        ),
        (
            {"LayerName": "deps", "VersionNumber": 2},
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:2",
        ),
        (
            {"Resource": "arn:aws:lambda:us-east-1:1:function:t"},
            "arn:aws:lambda:us-east-1:1:function:t",
        ),
        ({}, "*"),
    ],
)
def test_lambda_resources(params: dict[str, Any], arn: str) -> None:
    assert resource_of(functions())(params) == arn


def test_sqs_table() -> None:
    queues = QueueService(None, SystemClock(), "us-east-1", "123456789012")  # type: ignore[arg-type]
    service = sqs_service(queues)
    model = botocore.loaders.create_loader().load_service_model("sqs", "service-2")
    assert set(service.operations) <= set(model["operations"])
    assert service.target_prefixes == (model["metadata"]["targetPrefix"],)
    assert sqs_action_of("SendMessageBatch") == "sqs:SendMessage"
    assert sqs_action_of("ReceiveMessage") == "sqs:ReceiveMessage"
    resource = sqs_resource_of(queues)
    url = "http://127.0.0.1:9000/123456789012/jobs"
    assert resource({"QueueUrl": url}) == "arn:aws:sqs:us-east-1:123456789012:jobs"
    assert resource({"QueueName": "jobs"}) == "arn:aws:sqs:us-east-1:123456789012:jobs"
    assert resource({}) == "*"
