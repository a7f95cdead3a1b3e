"""Responses read back by botocore's RestJSONParser, the way a boto3 client reads them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from nubis.api import constants
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.rest_json import RestJsonService
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    ResourceConflictException,
    ResourceNotFoundException,
    ServiceException,
    TooManyRequestsException,
    ValidationException,
)

Read = Callable[[str, WireResponse], dict[str, Any]]


def test_invoke_response_headers_status_and_raw_payload(
    service: RestJsonService, read: Read
) -> None:
    log = base64.b64encode(b"START RequestId: 1\nEND RequestId: 1\n").decode()
    payload = b'{"errorMessage": "boom", "errorType": "Exception"}'
    response = service.serialize(
        "Invoke",
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "LogResult": log,
            "ExecutedVersion": "$LATEST",
            "Payload": payload,
        },
    )
    assert response.status == 200
    assert response.body == payload
    assert response.headers[constants.FUNCTION_ERROR_HEADER] == "Unhandled"
    assert response.headers[constants.LOG_RESULT_HEADER] == log
    assert response.headers[constants.EXECUTED_VERSION_HEADER] == "$LATEST"
    parsed = read("Invoke", response)
    assert parsed["StatusCode"] == 200
    assert parsed["FunctionError"] == "Unhandled"
    assert parsed["LogResult"] == log
    assert parsed["ExecutedVersion"] == "$LATEST"
    assert parsed["Payload"].read() == payload


def test_invoke_event_status_comes_from_the_status_code_member(
    service: RestJsonService, read: Read
) -> None:
    response = service.serialize("Invoke", {"StatusCode": 202, "Payload": b""})
    assert response.status == 202
    assert read("Invoke", response)["StatusCode"] == 202
    dry = service.serialize("Invoke", {"StatusCode": 204})
    assert (dry.status, dry.body) == (204, b"")
    assert read("Invoke", dry)["StatusCode"] == 204


def test_create_function_201_body(service: RestJsonService, read: Read) -> None:
    config = {
        "FunctionName": "f",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Handler": "app.handler",
        "CodeSize": 123,
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "LastModified": "2026-11-27T06:00:00.000+0000",
        "CodeSha256": "abc=",
        "Version": "$LATEST",
        "Environment": {"Variables": {"A": "1"}},
        "EphemeralStorage": {"Size": 512},
        "Architectures": ["x86_64"],
        "State": "Active",
        "KMSKeyArn": None,  # None members are left out
    }
    response = service.serialize("CreateFunction", config)
    assert response.status == 201
    assert response.headers[constants.CONTENT_TYPE_HEADER] == constants.CONTENT_TYPE_JSON
    assert "KMSKeyArn" not in json.loads(response.body)
    parsed = read("CreateFunction", response)
    parsed.pop("ResponseMetadata")
    assert parsed == {k: v for k, v in config.items() if v is not None}


def test_delete_function_status(service: RestJsonService, read: Read) -> None:
    # The model now says 200 for DeleteFunction; Lambda answers 204 without a body.
    response = service.serialize("DeleteFunction", {}, status=204)
    assert (response.status, response.body) == (204, b"")
    assert read("DeleteFunction", response)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert service.serialize("DeleteFunction", {}).status == 200
    assert service.serialize("DeleteAlias", {}).status == 204


def test_blobs_are_base64_in_json_bodies(service: RestJsonService, read: Read) -> None:
    response = service.serialize(
        "GetLayerVersion", {"Content": {"Location": "http://x", "CodeSize": 3}, "Version": 1}
    )
    parsed = read("GetLayerVersion", response)
    assert parsed["Content"] == {"Location": "http://x", "CodeSize": 3}
    assert parsed["Version"] == 1


def test_list_functions_output(service: RestJsonService, read: Read) -> None:
    output = {"Functions": [{"FunctionName": "a"}, {"FunctionName": "b"}], "NextMarker": "m"}
    parsed = read("ListFunctions", service.serialize("ListFunctions", output))
    assert parsed["Functions"] == output["Functions"]
    assert parsed["NextMarker"] == "m"


def test_get_account_settings_output(service: RestJsonService, read: Read) -> None:
    output = {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": 1000,
            "UnreservedConcurrentExecutions": 1000,
        },
        "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
    }
    parsed = read("GetAccountSettings", service.serialize("GetAccountSettings", output))
    assert parsed["AccountLimit"] == output["AccountLimit"]
    assert parsed["AccountUsage"] == output["AccountUsage"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ResourceNotFoundException("Function not found: arn:aws:lambda:...:function:f"), 404),
        (ValidationException("1 validation error detected: ..."), 400),
        (InvalidRequestContentException("Could not parse request body into json: x"), 400),
        (ServiceException("An internal error occurred"), 500),
    ],
)
def test_errors_parse_into_code_and_message(
    service: RestJsonService, read: Read, model: Any, error: NubisError, status: int
) -> None:
    response = service.serialize_error(error, "req-1")
    assert response.status == status
    assert response.headers[constants.ERROR_TYPE_HEADER] == error.wire_type
    assert response.headers[constants.REQUEST_ID_HEADER] == "req-1"
    parsed = read("GetFunction", response)
    assert parsed["Error"]["Code"] == error.wire_type
    assert parsed["Error"]["Message"] == error.message
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == status
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    if model.shape_for_error_code(error.wire_type) is not None:  # modeled: body fields too
        assert parsed["Type"] == error.fault


def test_throttle_reason_and_retry_after(service: RestJsonService, read: Read) -> None:
    error = TooManyRequestsException(
        "Rate Exceeded.",
        Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
        retryAfterSeconds="1",
    )
    response = service.serialize_error(error, "req-2")
    assert response.status == 429
    assert response.headers["Retry-After"] == "1"
    assert "retryAfterSeconds" not in json.loads(response.body)
    parsed = read("Invoke", response)
    assert parsed["Error"] == {
        "Code": "TooManyRequestsException",
        "Message": "Rate Exceeded.",
    }
    assert parsed["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert parsed["retryAfterSeconds"] == "1"
    assert parsed["Type"] == "User"


def test_error_message_key_follows_the_model(service: RestJsonService, read: Read) -> None:
    """ResourceNotFoundException is modeled with `Message`, most others with `message`."""
    missing = service.serialize_error(ResourceNotFoundException("Function not found: f"), "r")
    assert json.loads(missing.body) == {"Type": "User", "Message": "Function not found: f"}
    assert read("GetFunction", missing)["Message"] == "Function not found: f"
    conflict = service.serialize_error(ResourceConflictException("exists"), "r")
    assert json.loads(conflict.body) == {"Type": "User", "message": "exists"}
