"""SQS's rules as AWS states them, through boto3 against a real server: FIFO batches,
the batch size, queue attributes (FifoQueue, encryption), attribute selection on receive,
visibility after expiry, dead letters, tags, dead-letter sources, and the 60-second rules
(on a server whose clock the test moves: `clocked`)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.sqs.conftest import ClockedServer

API = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference"


def failure(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str, str]:
    """(HTTP status, query code, shape name, message) of an SQS error, as botocore reads it."""
    response = exc.value.response
    err = response["Error"]
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return status, err["Code"], err.get("QueryErrorCode", ""), err["Message"]


def arn_of(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])


# ------------------------------------------------------------------ batches
def test_a_fifo_batch_missing_a_group_id_is_refused_whole(sqs: Any, qname: str) -> None:
    """API_SendMessageBatchRequestEntry: MessageGroupId is required for FIFO queues;
    SendMessageBatch answers the request with MissingParameter (400), no entry is sent."""
    url = sqs.create_queue(QueueName=f"{qname}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    entries = [
        {"Id": "a", "MessageBody": "one", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "b", "MessageBody": "two", "MessageDeduplicationId": "2"},
    ]
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert failure(exc) == (
        400,
        "MissingParameter",
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
    )
    assert count(sqs, url) == 0


def test_a_fifo_batch_missing_a_dedup_id_is_refused_whole(sqs: Any, qname: str) -> None:
    """API_SendMessageBatchRequestEntry: without ContentBasedDeduplication, every entry
    of a FIFO queue's batch needs a MessageDeduplicationId (else the action fails)."""
    url = sqs.create_queue(QueueName=f"{qname}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    entries = [
        {"Id": "a", "MessageBody": "one", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "b", "MessageBody": "two", "MessageGroupId": "g"},
    ]
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert failure(exc) == (
        400,
        "InvalidParameterValue",
        "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )
    assert count(sqs, url) == 0
    # With content-based deduplication the same batch goes through.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    out = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "b"]


def test_the_batch_limit_counts_message_attributes(sqs: Any, qname: str) -> None:
    """API_SendMessageBatch: "The maximum allowed individual message size and the maximum
    total payload size (the sum of the individual lengths of all of the batched messages)
    are both 1 MiB (1,048,576 bytes)"; a message's size counts its attributes' names,
    types and values."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    value = "v" * 30_000
    attrs = {"a": {"DataType": "String", "StringValue": value}}
    entries = [
        {"Id": str(i), "MessageBody": "x" * 500_000, "MessageAttributes": attrs} for i in range(2)
    ]
    each = 500_000 + len("a") + len("String") + len(value)
    assert each <= 1_048_576 < 2 * each
    assert 2 * 500_000 <= 1_048_576
    with pytest.raises(sqs.exceptions.BatchRequestTooLong) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert failure(exc) == (
        400,
        "AWS.SimpleQueueService.BatchRequestTooLong",
        "BatchRequestTooLong",
        f"Batch requests cannot be longer than 1048576 bytes. You have sent {2 * each} bytes.",
    )
    out = sqs.send_message_batch(QueueUrl=url, Entries=entries[:1])
    assert [e["Id"] for e in out["Successful"]] == ["0"]


def test_an_empty_body_is_a_missing_parameter(sqs: Any, qname: str) -> None:
    """API_SendMessage: MessageBody is required (at least one character)."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert failure(exc) == (
        400,
        "MissingParameter",
        "MissingParameter",
        "The request must contain the parameter MessageBody.",
    )
    out = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "e", "MessageBody": ""}])
    assert out["Failed"] == [
        {
            "Id": "e",
            "SenderFault": True,
            "Code": "MissingParameter",
            "Message": "The request must contain the parameter MessageBody.",
        }
    ]


# ------------------------------------------------------------------ queue attributes
def test_fifo_queue_attribute_on_a_standard_queue(sqs: Any, qname: str) -> None:
    """API_CreateQueue: FifoQueue designates a FIFO queue and can be given only when
    creating one; a standard queue has no such attribute."""
    with pytest.raises(sqs.exceptions.InvalidAttributeName) as exc:
        sqs.create_queue(QueueName=qname, Attributes={"FifoQueue": "false"})
    assert failure(exc) == (
        400,
        "InvalidAttributeName",
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    with pytest.raises(sqs.exceptions.InvalidAttributeName) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    assert failure(exc)[1:] == (
        "InvalidAttributeName",
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "FifoQueue" not in attrs


def test_sse_sqs_by_default_and_kms_one_at_a_time(sqs: Any, qname: str) -> None:
    """API_SetQueueAttributes: SqsManagedSseEnabled (SSE-SQS, on by default for new
    queues) and KmsMasterKeyId (SSE-KMS) are two kinds of server-side encryption; a queue
    uses one. KmsDataKeyReusePeriodSeconds defaults to 300 (5 minutes)."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert "KmsMasterKeyId" not in attrs
    assert "KmsDataKeyReusePeriodSeconds" not in attrs
    both = {"SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/aws/sqs"}
    message = (
        "You can use one type of server-side encryption (SSE) at one time. You can either "
        "enable KMS SSE or SQS SSE."
    )
    with pytest.raises(sqs.exceptions.InvalidAttributeName) as exc:
        sqs.create_queue(QueueName=f"{qname}-both", Attributes=both)
    assert failure(exc) == (400, "InvalidAttributeName", "InvalidAttributeName", message)
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes=both)
    kms = sqs.create_queue(QueueName=f"{qname}-kms", Attributes={"KmsMasterKeyId": "alias/k"})
    attrs = sqs.get_queue_attributes(QueueUrl=kms["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert (
        attrs["KmsMasterKeyId"],
        attrs["KmsDataKeyReusePeriodSeconds"],
        attrs["SqsManagedSseEnabled"],
    ) == ("alias/k", "300", "false")
    # Back to SSE-SQS: the KMS key is no longer the queue's.
    sqs.set_queue_attributes(QueueUrl=kms["QueueUrl"], Attributes={"SqsManagedSseEnabled": "true"})
    attrs = sqs.get_queue_attributes(QueueUrl=kms["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert "KmsMasterKeyId" not in attrs
    assert "KmsDataKeyReusePeriodSeconds" not in attrs
    # SSE-SQS off, then a key: SSE-KMS.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "false"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/k2"})
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["KmsMasterKeyId", "SqsManagedSseEnabled"]
    )["Attributes"]
    assert attrs == {"KmsMasterKeyId": "alias/k2", "SqsManagedSseEnabled": "false"}


# ------------------------------------------------------------------ receiving
def test_message_attribute_names_all_dot_star_and_prefixes(sqs: Any, qname: str) -> None:
    """API_ReceiveMessage, MessageAttributeNames: "return all of the attributes by
    specifying All or .* in your request. You can also use all message attributes
    starting with a prefix, for example bar.*"; names are case-sensitive."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    names = ["foo.a", "foo.b", "foobar", "Bar"]
    attrs = {n: {"DataType": "String", "StringValue": n} for n in names}
    sent = sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)

    def received(wanted: list[str]) -> dict[str, Any]:
        (m,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=wanted, VisibilityTimeout=0)[
            "Messages"
        ]
        return dict(m)

    for every in (["All"], [".*"]):
        m = received(every)
        assert sorted(m["MessageAttributes"]) == sorted(names)
        assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    m = received(["foo.*"])
    assert sorted(m["MessageAttributes"]) == ["foo.a", "foo.b"]
    assert m["MD5OfMessageAttributes"] != sent["MD5OfMessageAttributes"]  # of these two
    assert sorted(received(["foo.*", "Bar"])["MessageAttributes"]) == ["Bar", "foo.a", "foo.b"]
    assert "MessageAttributes" not in received(["bar"])
    m = received([])
    assert "MessageAttributes" not in m
    assert "MD5OfMessageAttributes" not in m


def test_system_attribute_names_and_attribute_names_together(sqs: Any, qname: str) -> None:
    """API_ReceiveMessage: MessageSystemAttributeNames (and the deprecated AttributeNames)
    name the system attributes returned; All returns every one."""
    url = sqs.create_queue(QueueName=qname)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    (m,) = sqs.receive_message(
        QueueUrl=url,
        AttributeNames=["SentTimestamp"],
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
        VisibilityTimeout=0,
    )["Messages"]
    assert sorted(m["Attributes"]) == ["ApproximateReceiveCount", "SentTimestamp"]
    (m,) = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert sorted(m["Attributes"]) == [
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "SenderId",
        "SentTimestamp",
    ]
    assert m["Attributes"]["ApproximateReceiveCount"] == "2"


def test_change_visibility_after_the_timeout_expired(clocked: ClockedServer) -> None:
    """API_ChangeMessageVisibility: the receipt handle of the latest receive changes the
    message's visibility, also after its timeout expired (until it is received again);
    an earlier receipt is then refused with MessageNotInflight."""
    sqs, clock = clocked.sqs, clocked.clock
    url = sqs.create_queue(QueueName="expired")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    (m,) = sqs.receive_message(QueueUrl=url, VisibilityTimeout=10)["Messages"]
    clock.advance(11)  # visible again, not received again
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=30
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    clock.advance(31)
    (again,) = sqs.receive_message(QueueUrl=url)["Messages"]
    assert again["MessageId"] == m["MessageId"]
    with pytest.raises(sqs.exceptions.MessageNotInflight) as exc:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=5
        )
    assert failure(exc)[:3] == (
        400,
        "AWS.SimpleQueueService.MessageNotInflight",
        "MessageNotInflight",
    )


def test_a_dead_letter_keeps_its_receive_count(sqs: Any, qname: str) -> None:
    """SQSDeveloperGuide/sqs-dead-letter-queues.html: a message moves once its receive
    count exceeds maxReceiveCount; the count is the message's and is not reset by the
    move (its first receive from the dead-letter queue is maxReceiveCount + 2)."""
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq")["QueueUrl"]
    policy = f'{{"deadLetterTargetArn": "{arn_of(sqs, dlq)}", "maxReceiveCount": 1}}'
    src = sqs.create_queue(QueueName=qname, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    assert sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=src)  # moved on this receive
    (moved,) = sqs.receive_message(
        QueueUrl=dlq, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    assert moved["Attributes"] == {"ApproximateReceiveCount": "2"}


def test_dead_letters_stay_while_their_queue_is_gone(sqs: Any, qname: str) -> None:
    """Nubis's choice (AWS does not say): with the dead-letter queue deleted, a message past
    maxReceiveCount stays in its queue and is still handed out; nothing is moved to a
    queue that does not exist (and could appear later with old messages in it)."""
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq")["QueueUrl"]
    policy = f'{{"deadLetterTargetArn": "{arn_of(sqs, dlq)}", "maxReceiveCount": 1}}'
    src = sqs.create_queue(QueueName=qname, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.delete_queue(QueueUrl=dlq)
    sqs.send_message(QueueUrl=src, MessageBody="kept")
    for receives in ("1", "2", "3"):
        (m,) = sqs.receive_message(
            QueueUrl=src, VisibilityTimeout=0, MessageSystemAttributeNames=["All"]
        )["Messages"]
        assert (m["Body"], m["Attributes"]["ApproximateReceiveCount"]) == ("kept", receives)


# ------------------------------------------------------------------ tags
def test_queue_tags(sqs: Any, qname: str) -> None:
    """API_TagQueue, API_UntagQueue, API_ListQueueTags; SQSDeveloperGuide/quotas-queues:
    at most 50 tags per queue, keys 1-128 characters, values up to 256, case-sensitive;
    a tag with an existing key replaces it."""
    url = sqs.create_queue(QueueName=qname, tags={"team": "a", "Team": "b"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "Team": "b"}
    sqs.tag_queue(QueueUrl=url, Tags={"team": "c", "env": ""})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "c", "Team": "b", "env": ""}
    sqs.untag_queue(QueueUrl=url, TagKeys=["Team", "absent"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "c", "env": ""}
    too_many = {f"k{i}": "v" for i in range(49)}
    with pytest.raises(ClientError) as exc:
        sqs.tag_queue(QueueUrl=url, Tags=too_many)
    assert failure(exc) == (
        400,
        "InvalidParameterValue",
        "InvalidParameterValue",
        f"Too many tags added for queue {qname}.",
    )
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "c", "env": ""}
    sqs.tag_queue(QueueUrl=url, Tags=dict(list(too_many.items())[:48]))  # 50 in all
    with pytest.raises(ClientError) as exc:
        sqs.tag_queue(QueueUrl=url, Tags={})
    assert failure(exc)[:2] == (400, "MissingParameter")
    for tags in ({"k" * 129: "v"}, {"k": "v" * 257}):
        with pytest.raises(ClientError) as exc:
            sqs.tag_queue(QueueUrl=url, Tags=tags)
        assert failure(exc)[:2] == (400, "InvalidParameterValue")
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=f"{qname}-many", tags={f"k{i}": "v" for i in range(51)})
    assert failure(exc)[:2] == (400, "InvalidParameterValue")
    bare = sqs.create_queue(QueueName=f"{qname}-bare")["QueueUrl"]
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=bare)
    sqs.delete_queue(QueueUrl=bare)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.list_queue_tags(QueueUrl=bare)


def test_list_dead_letter_source_queues_with_paging(sqs: Any, qname: str) -> None:
    """API_ListDeadLetterSourceQueues: the queues whose RedrivePolicy targets this one;
    MaxResults 1 to 1000, and a NextToken only when MaxResults is given."""
    dlq = sqs.create_queue(QueueName=f"{qname}-dlq")["QueueUrl"]
    policy = f'{{"deadLetterTargetArn": "{arn_of(sqs, dlq)}", "maxReceiveCount": 3}}'
    sources = [
        sqs.create_queue(QueueName=f"{qname}-s{i}", Attributes={"RedrivePolicy": policy})[
            "QueueUrl"
        ]
        for i in range(3)
    ]
    sqs.create_queue(QueueName=f"{qname}-other")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == sources
    page = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2)
    assert page["queueUrls"] == sources[:2]
    rest = sqs.list_dead_letter_source_queues(
        QueueUrl=dlq, MaxResults=2, NextToken=page["NextToken"]
    )
    assert rest["queueUrls"] == sources[2:]
    assert "NextToken" not in rest
    paginated = sqs.get_paginator("list_dead_letter_source_queues").paginate(
        QueueUrl=dlq, PaginationConfig={"PageSize": 1}
    )
    assert [u for p in paginated for u in p["queueUrls"]] == sources
    assert "queueUrls" not in sqs.list_dead_letter_source_queues(QueueUrl=sources[0])
    with pytest.raises(ClientError) as exc:
        sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=1001)
    assert failure(exc)[:2] == (400, "InvalidParameterValue")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.list_dead_letter_source_queues(QueueUrl=f"{dlq}-gone")


# ------------------------------------------------------------------ 60-second rules
def test_a_queue_deleted_recently(clocked: ClockedServer) -> None:
    """API_CreateQueue: "After you delete a queue, you must wait at least 60 seconds
    before creating a queue with the same name" (QueueDeletedRecently)."""
    sqs, clock = clocked.sqs, clocked.clock
    url = sqs.create_queue(QueueName="again")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    clock.advance(59)
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as exc:
        sqs.create_queue(QueueName="again")
    assert failure(exc) == (
        400,
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another "
        "with the same name.",
    )
    sqs.create_queue(QueueName="other")  # another name is not held back
    clock.advance(1)
    assert sqs.create_queue(QueueName="again")["QueueUrl"] == url


def test_purge_queue_in_progress(clocked: ClockedServer) -> None:
    """API_PurgeQueue: one purge per queue every 60 seconds; another within them is
    PurgeQueueInProgress, HTTP status 403."""
    sqs, clock = clocked.sqs, clocked.clock
    url = sqs.create_queue(QueueName="purged")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    clock.advance(59)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as exc:
        sqs.purge_queue(QueueUrl=url)
    assert failure(exc) == (
        403,
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        "PurgeQueueInProgress",
        "Only one PurgeQueue operation on purged is allowed every 60 seconds.",
    )
    clock.advance(1)
    sqs.send_message(QueueUrl=url, MessageBody="m")
    sqs.purge_queue(QueueUrl=url)
    assert count(sqs, url) == 0
