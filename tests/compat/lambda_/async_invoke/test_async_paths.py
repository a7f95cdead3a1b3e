"""Asynchronous invocation through boto3 against a real server: event-invoke configs,
success and failure destinations, retries, the dead-letter queue, throttling."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.lambda_.async_invoke.conftest import make_queue, receive_json
from tests.helpers import create

ECHO = """
def handler(event, context):
    return {"echo": event, "request": context.aws_request_id}
"""
FAIL = """
def handler(event, context):
    raise RuntimeError("boom " + str(event.get("n")))
"""
SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
"""


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_event_invoke_config_operations(lam: Any, sqs: Any, name: str) -> None:
    create(lam, name, ECHO)
    _, queue_arn = make_queue(sqs, f"{name}-d")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    put = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn}},
    )
    assert put["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert put["MaximumRetryAttempts"] == 1
    assert put["MaximumEventAgeInSeconds"] == 21600
    assert put["DestinationConfig"]["OnSuccess"]["Destination"] == queue_arn
    assert put["LastModified"]
    updated = lam.update_function_event_invoke_config(
        FunctionName=name,
        MaximumEventAgeInSeconds=120,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    assert updated["MaximumRetryAttempts"] == 1  # kept
    assert updated["MaximumEventAgeInSeconds"] == 120
    assert updated["DestinationConfig"] == {
        "OnSuccess": {"Destination": queue_arn},
        "OnFailure": {"Destination": queue_arn},
    }
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="$LATEST")
    assert got["MaximumEventAgeInSeconds"] == 120
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [got["FunctionArn"]]
    # Put replaces everything.
    again = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert again["MaximumEventAgeInSeconds"] == 21600
    assert again["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=21601)
    assert code(exc) == "ValidationException"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={
                "OnSuccess": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}
            },
        )
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_function_event_invoke_config(FunctionName=f"{name}-none", MaximumRetryAttempts=0)
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_event_invoke_config(FunctionName=name)
    assert (
        lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
        == []
    )


def test_payload_limit(lam: Any, name: str) -> None:
    create(lam, name, ECHO)
    big = json.dumps({"x": "a" * (1024 * 1024)}).encode()
    with pytest.raises(lam.exceptions.RequestTooLargeException):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=big)


def test_success_destination(lam: Any, sqs: Any, name: str) -> None:
    create(lam, name, ECHO)
    url, arn = make_queue(sqs, f"{name}-ok")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"k": 1}')
    assert out["StatusCode"] == 202
    request_id = out["ResponseMetadata"]["RequestId"]
    record, _ = receive_json(sqs, url)
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    ctx = record["requestContext"]
    assert ctx == {
        "requestId": request_id,
        "functionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"k": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"echo": {"k": 1}, "request": request_id}


def test_retries_then_failure_destination(lam: Any, sqs: Any, name: str) -> None:
    create(lam, name, FAIL)
    url, arn = make_queue(sqs, f"{name}-fail")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    start = time.monotonic()
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 7}')
    record, _ = receive_json(sqs, url)
    elapsed = time.monotonic() - start
    assert elapsed >= 0.6  # two retry delays of 0.3 s
    ctx = record["requestContext"]
    assert ctx["requestId"] == out["ResponseMetadata"]["RequestId"]
    assert ctx["condition"] == "RetriesExhausted"
    assert ctx["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "boom 7"
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    logs = lam.meta.endpoint_url  # the function ran three times: three START lines
    import urllib.request

    with urllib.request.urlopen(f"{logs}/_nubis/logs/{name}") as resp:
        text = resp.read().decode()
    assert text.count(f"START RequestId: {ctx['requestId']}") == 3


def test_dead_letter_queue(lam: Any, sqs: Any, name: str) -> None:
    dlq_url, dlq_arn = make_queue(sqs, f"{name}-dlq")
    create(lam, name, FAIL, DeadLetterConfig={"TargetArn": dlq_arn})
    conf = lam.get_function_configuration(FunctionName=name)
    assert conf["DeadLetterConfig"] == {"TargetArn": dlq_arn}
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    body, message = receive_json(sqs, dlq_url, MessageAttributeNames=["All"])
    assert body == {"n": 3}
    attrs = message["MessageAttributes"]
    assert attrs["RequestID"]["StringValue"] == out["ResponseMetadata"]["RequestId"]
    assert attrs["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert attrs["ErrorMessage"]["StringValue"] == "boom 3"
    # Removing it.
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=name)


def test_destination_function(lam: Any, sqs: Any, name: str) -> None:
    url, arn = make_queue(sqs, f"{name}-chain")
    second = create(lam, f"{name}-2", ECHO)["FunctionArn"]
    lam.put_function_event_invoke_config(
        FunctionName=f"{name}-2", DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    create(lam, name, ECHO)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": second}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"chain": true}')
    record, _ = receive_json(sqs, url)
    # The second function was invoked with the first one's record as its event.
    first_record = record["requestPayload"]
    assert first_record["requestContext"]["condition"] == "Success"
    assert first_record["requestPayload"] == {"chain": True}
    assert record["responsePayload"]["echo"] == first_record


def test_throttled_event_is_retried(lam: Any, sqs: Any, name: str) -> None:
    create(lam, name, SLOW, Timeout=10)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    url, arn = make_queue(sqs, f"{name}-ok")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    busy = threading.Thread(
        target=lambda: lam.invoke(FunctionName=name, Payload=b'{"sleep": 2}'), daemon=True
    )
    busy.start()
    time.sleep(0.5)  # the one allowed execution is taken
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name, Payload=b"{}")
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"sleep": 0}')
    record, _ = receive_json(sqs, url, timeout=20)
    busy.join()
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] >= 2  # throttled first


def test_configs_per_qualifier_and_forgotten_with_the_function(
    lam: Any, sqs: Any, name: str
) -> None:
    create(lam, name, ECHO)
    version = lam.publish_version(FunctionName=name)["Version"]
    url, arn = make_queue(sqs, f"{name}-v")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        Qualifier=version,
        DestinationConfig={"OnSuccess": {"Destination": arn}},
    )
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    arns = [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]]
    assert arns == [
        f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
        f"arn:aws:lambda:us-east-1:000000000000:function:{name}:{version}",
    ]
    page = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    assert len(page["FunctionEventInvokeConfigs"]) == 1
    assert page["NextMarker"]
    lam.invoke(FunctionName=name, Qualifier=version, InvocationType="Event", Payload=b"{}")
    record, _ = receive_json(sqs, url)
    assert record["requestContext"]["functionArn"].endswith(f":{name}:{version}")
    assert record["responseContext"]["executedVersion"] == version
    lam.delete_function(FunctionName=name)
    create(lam, name, ECHO)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)
