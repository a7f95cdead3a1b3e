"""Messages through boto3: send, receive, delete, visibility, long polling, delay, batches,
MD5 digests, redrive to a dead-letter queue, FIFO ordering and deduplication."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.sqs.conftest import sqs_client
from tests.helpers import Server, running_server


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


@pytest.fixture
def url(sqs: Any, qname: str) -> str:
    return str(sqs.create_queue(QueueName=qname)["QueueUrl"])


def test_send_receive_delete_with_digests(sqs: Any, url: str) -> None:
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={
            "sample-attribute": {"DataType": "String", "StringValue": "sample-value"}
        },
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}},
    )
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    # The digest AWS itself reports for this attribute in Lambda's SQS event example.
    assert sent["MD5OfMessageAttributes"] == "7c815262be77a62f56671125069ca888"
    assert sent["MD5OfMessageSystemAttributes"]
    got = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )
    (m,) = got["Messages"]
    assert m["MessageId"] == sent["MessageId"]
    assert m["Body"] == "hello"
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["MessageAttributes"] == {
        "sample-attribute": {"DataType": "String", "StringValue": "sample-value"}
    }
    attrs = m["Attributes"]
    assert attrs["ApproximateReceiveCount"] == "1"
    assert attrs["AWSTraceHeader"] == "Root=1"
    assert abs(int(attrs["SentTimestamp"]) / 1000 - time.time()) < 60
    assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"])
    assert "SenderId" in attrs
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # A stale receipt deletes nothing and is not an error, as in SQS.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")


def test_attribute_types_and_filters(sqs: Any, url: str) -> None:
    sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageAttributes={
            "a.one": {"DataType": "String", "StringValue": "1"},
            "a.two": {"DataType": "Number.int", "StringValue": "2"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["a.*"], VisibilityTimeout=0)[
        "Messages"
    ]
    assert set(m["MessageAttributes"]) == {"a.one", "a.two"}
    (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["b"])["Messages"]
    assert m["MessageAttributes"] == {"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    assert "Attributes" not in m


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"MessageBody": "x" * (1024 * 1024 + 1)}, "InvalidParameterValue"),
        ({"MessageBody": "bad \x01 char"}, "InvalidMessageContents"),
        ({"MessageBody": "x", "DelaySeconds": 901}, "InvalidParameterValue"),
        (
            {
                "MessageBody": "x",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "z"}},
            },
            "InvalidParameterValue",
        ),
        (
            {
                "MessageBody": "x",
                "MessageAttributes": {"AWS.x": {"DataType": "String", "StringValue": "z"}},
            },
            "InvalidParameterValue",
        ),
        (
            {
                "MessageBody": "x",
                "MessageAttributes": {"t": {"DataType": "Date", "StringValue": "z"}},
            },
            "InvalidParameterValue",
        ),
    ],
)
def test_send_errors(sqs: Any, url: str, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, **kwargs)
    assert code(exc) == error


def test_receive_errors(sqs: Any, url: str) -> None:
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert code(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    assert code(exc) == "InvalidParameterValue"


def test_visibility_timeout_and_change(sqs: Any, url: str) -> None:
    sqs.send_message(QueueUrl=url, MessageBody="v")
    (m,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.1)
    (again,) = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])[
        "Messages"
    ]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["ReceiptHandle"] != m["ReceiptHandle"]
    # Back to visible at once.
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0
    )
    (third,) = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.MessageNotInflight):
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=third["ReceiptHandle"], VisibilityTimeout=5
        )


def test_long_polling_wakes_on_send(sqs: Any, url: str, queue_server: Server) -> None:
    other = sqs_client(queue_server.endpoint)
    timer = threading.Timer(0.3, lambda: other.send_message(QueueUrl=url, MessageBody="late"))
    start = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - start
    timer.join()
    assert got["Messages"][0]["Body"] == "late"
    assert 0.25 < elapsed < 3
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - start < 3


def test_delay_seconds(sqs: Any, url: str) -> None:
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
    assert got["Messages"][0]["Body"] == "later"
    assert time.monotonic() - start < 2.5


def test_batches(sqs: Any, url: str) -> None:
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 0},
            {"Id": "c", "MessageBody": "bad \x02"},
        ],
    )
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "b"]
    (failed,) = out["Failed"]
    assert failed["Id"] == "c"
    assert failed["Code"] == "InvalidMessageContents"
    assert failed["SenderFault"] is True
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 100},
            {"Id": "y", "ReceiptHandle": "garbage", "VisibilityTimeout": 100},
        ],
    )
    assert [e["Id"] for e in changed["Successful"]] == ["x"]
    assert changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
    )
    assert len(deleted["Successful"]) == 2
    assert deleted["Failed"] == []
    entries = [{"Id": str(i), "MessageBody": "x"} for i in range(11)]
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[entries[0], entries[0]])
    with pytest.raises(sqs.exceptions.InvalidBatchEntryId):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "bad id", "MessageBody": "x"}])
    big = [{"Id": str(i), "MessageBody": "x" * 300_000} for i in range(4)]
    with pytest.raises(sqs.exceptions.BatchRequestTooLong):
        sqs.send_message_batch(QueueUrl=url, Entries=big)
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])


def test_redrive_to_dead_letter_queue(sqs: Any, qname: str) -> None:
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": 2}}'
    src = sqs.create_queue(QueueName=qname, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    (moved,) = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == src_arn
    # The count goes on from the source queue's: two receives there, this one the third.
    assert moved["Attributes"]["ApproximateReceiveCount"] == "3"


def test_fifo_order_and_groups(sqs: Any, qname: str) -> None:
    url = sqs.create_queue(
        QueueName=f"{qname}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    seqs = []
    for group, body in [("A", "a1"), ("A", "a2"), ("B", "b1"), ("A", "a3")]:
        out = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
        seqs.append(int(out["SequenceNumber"]))
    assert seqs == sorted(seqs)
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "A"
    assert first[0]["Attributes"]["SequenceNumber"] == f"{seqs[0]:020d}"
    # Group A is blocked while a1 is in flight; B is not.
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in second] == ["b1"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    third = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in third] == ["a2", "a3"]


def test_fifo_deduplication(sqs: Any, qname: str) -> None:
    url = sqs.create_queue(QueueName=f"{qname}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    one = sqs.send_message(
        QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    two = sqs.send_message(
        QueueUrl=url, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    assert one["MessageId"] == two["MessageId"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="z", MessageGroupId="g")
    assert code(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="z", MessageDeduplicationId="d2")
    assert code(exc) == "MissingParameter"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="z",
            MessageGroupId="g",
            MessageDeduplicationId="d3",
            DelaySeconds=5,
        )
    assert code(exc) == "InvalidParameterValue"
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    (m,) = got["Messages"]
    assert m["Body"] == "x"
    assert m["Attributes"]["MessageDeduplicationId"] == "d1"
    # Content-based deduplication turned on later.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="h")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="h")
    assert a["MessageId"] == b["MessageId"]


def test_messages_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as srv:
        client = sqs_client(srv.endpoint)
        url = client.create_queue(QueueName="durable")["QueueUrl"]
        client.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)]
        )
        client.receive_message(QueueUrl=url, VisibilityTimeout=0)
        srv.proc.kill()  # no clean shutdown: what was acknowledged must be on disk
        srv.proc.wait()
    with running_server(data) as srv:
        client = sqs_client(srv.endpoint)
        url = client.get_queue_url(QueueName="durable")["QueueUrl"]
        got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in got) == [f"m{i}" for i in range(5)]


def test_a_receive_with_visibility_zero_returns_each_message_once(sqs: Any, url: str) -> None:
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    bodies = [m["Body"] for m in got["Messages"]]
    assert sorted(bodies) == ["one", "three", "two"]
