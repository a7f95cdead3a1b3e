"""An asynchronous invocation of a function whose reserved concurrency is 0 is not
retried: it goes to the on-failure destination at once with condition
`ZeroReservedConcurrency` (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)."""

from __future__ import annotations

from typing import Any

from tests.compat.lambda_.async_invoke.conftest import make_queue, receive_json
from tests.helpers import create

HELLO = """
def handler(event, context):
    return {"ran": True}
"""


def test_zero_reserved_concurrency_goes_to_on_failure(lam: Any, sqs: Any, name: str) -> None:
    create(lam, name, HELLO)
    url, arn = make_queue(sqs, f"{name}-failed")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"k": 1}')
    assert out["StatusCode"] == 202
    record, _ = receive_json(sqs, url)
    assert record["requestContext"] == {
        "requestId": out["ResponseMetadata"]["RequestId"],
        "functionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST",
        "condition": "ZeroReservedConcurrency",
        "approximateInvokeCount": 0,
    }
    assert record["requestPayload"] == {"k": 1}
    assert "responsePayload" not in record
