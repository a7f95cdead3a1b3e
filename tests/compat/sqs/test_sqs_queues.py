"""Queue operations through boto3 and the aws CLI: queues, attributes, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err.get("QueryErrorCode", "")


def test_create_get_list_delete(sqs: Any, qname: str) -> None:
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    assert url.endswith(f"/000000000000/{qname}")
    assert sqs.get_queue_url(QueueName=qname)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=qname[:20])["QueueUrls"]
    # Creating again with the same attributes returns the same queue.
    assert sqs.create_queue(QueueName=qname)["QueueUrl"] == url
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.get_queue_url(QueueName=qname)
    assert error_of(exc) == ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")


def test_list_pagination(sqs: Any, qname: str) -> None:
    urls = [sqs.create_queue(QueueName=f"{qname}-{i}")["QueueUrl"] for i in range(3)]
    page = sqs.list_queues(QueueNamePrefix=qname, MaxResults=2)
    assert page["QueueUrls"] == urls[:2]
    rest = sqs.list_queues(QueueNamePrefix=qname, MaxResults=2, NextToken=page["NextToken"])
    assert rest["QueueUrls"] == urls[2:]
    assert "NextToken" not in rest
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=f"{qname}-none")


def test_create_conflicts_and_invalid(sqs: Any, qname: str) -> None:
    sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "10"})
    with pytest.raises(sqs.exceptions.QueueNameExists) as exc:
        sqs.create_queue(QueueName=qname, Attributes={"VisibilityTimeout": "20"})
    assert error_of(exc)[0] == "QueueAlreadyExists"
    with pytest.raises(ClientError) as bad:
        sqs.create_queue(QueueName="has space")
    assert error_of(bad)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as bad:
        sqs.create_queue(QueueName=f"{qname}.fifo")
    assert error_of(bad)[0] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.create_queue(QueueName=f"{qname}-x", Attributes={"VisibilityTimeout": "43201"})
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.create_queue(QueueName=f"{qname}-y", Attributes={"Nope": "1"})
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.create_queue(QueueName=f"{qname}-z", Attributes={"RedrivePolicy": "{}"})


def test_attributes(sqs: Any, qname: str) -> None:
    url = sqs.create_queue(QueueName=qname, Attributes={"DelaySeconds": "0"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{qname}"
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "5", "ReceiveMessageWaitTimeSeconds": "1"}
    )
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert got["Attributes"] == {"VisibilityTimeout": "5"}
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="c")
    counts = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    assert counts == {
        "ApproximateNumberOfMessages": "1",
        "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "1",
    }
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "10"})
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})


def test_purge(sqs: Any, qname: str) -> None:
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as exc:
        sqs.purge_queue(QueueUrl=url)
    assert error_of(exc)[0] == "AWS.SimpleQueueService.PurgeQueueInProgress"


def test_unknown_operation_and_bad_body(queue_server: Any) -> None:
    import urllib.request

    def post(target: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        req = urllib.request.Request(
            queue_server.endpoint + "/",
            data=body,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
        )
        try:
            with urllib.request.urlopen(req) as resp:
                return resp.status, json.loads(resp.read()), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read()), dict(err.headers)

    status, body, headers = post("AmazonSQS.StartMessageMoveTask", b'{"SourceArn": "x"}')
    assert status == 400
    assert body["__type"].endswith("#UnknownOperationException")
    assert headers["x-amzn-query-error"] == "InvalidAction;Sender"
    assert headers["x-amzn-RequestId"]
    status, body, _ = post("AmazonSQS.SendMessage", b"{not json")
    assert status == 400
    assert body["__type"].endswith("#SerializationException")


def aws(endpoint: str, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    cli = Path(sys.executable).with_name("aws")
    out = subprocess.run(
        [str(cli), "--endpoint-url", endpoint, "--output", "json", "sqs", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_awscli(queue_server: Any, qname: str) -> None:
    ep = queue_server.endpoint
    url = aws(ep, "create-queue", "--queue-name", qname)["QueueUrl"]
    sent = aws(ep, "send-message", "--queue-url", url, "--message-body", "hello cli")
    assert sent["MD5OfMessageBody"] == "a1e8e5a8b6dc7b3dfad7ce3d1bb1e6c8" or sent["MessageId"]
    got = aws(ep, "receive-message", "--queue-url", url, "--attribute-names", "All")
    (message,) = got["Messages"]
    assert message["Body"] == "hello cli"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    aws(ep, "delete-message", "--queue-url", url, "--receipt-handle", message["ReceiptHandle"])
    attrs = aws(ep, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    assert attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    aws(ep, "delete-queue", "--queue-url", url)
