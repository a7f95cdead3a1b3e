"""Log groups and streams through boto3 against the real server: create, describe with
prefix/order/paging, delete, retention values, tags, and CloudWatch Logs' errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.logs.conftest import now_ms

ARN = "arn:aws:logs:us-east-1:000000000000:log-group:"


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    e = exc.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def test_create_describe_delete_group(logs: Any, group: str) -> None:
    before = now_ms()
    logs.create_log_group(logGroupName=group, tags={"team": "a"})
    (g,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert g["logGroupName"] == group
    assert g["arn"] == f"{ARN}{group}:*"
    assert g["logGroupArn"] == f"{ARN}{group}"
    assert before - 1000 <= g["creationTime"] <= now_ms() + 1000
    assert g["storedBytes"] == 0
    assert "retentionInDays" not in g
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "a"}
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_group_errors(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName=group)
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        400,
        "The specified log group already exists",
    )
    missing = f"{group}-missing"
    for call in (
        lambda: logs.delete_log_group(logGroupName=missing),
        lambda: logs.create_log_stream(logGroupName=missing, logStreamName="s"),
        lambda: logs.describe_log_streams(logGroupName=missing),
        lambda: logs.put_retention_policy(logGroupName=missing, retentionInDays=1),
        lambda: logs.filter_log_events(logGroupName=missing),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == (
            "ResourceNotFoundException",
            400,
            "The specified log group does not exist.",
        )


def test_bad_group_name_is_invalid_parameter(logs: Any) -> None:
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="has space")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("1 validation error detected: Value 'has space' at 'logGroupName'")


def test_describe_groups_pages_and_pattern(logs: Any, group: str) -> None:
    names = [f"{group}/{i:02d}" for i in range(5)]
    for name in reversed(names):
        logs.create_log_group(logGroupName=name)
    seen, token = [], None
    while True:
        page = logs.describe_log_groups(
            logGroupNamePrefix=f"{group}/", limit=2, **({"nextToken": token} if token else {})
        )
        assert len(page["logGroups"]) <= 2
        seen += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert seen == names
    tail = group.rsplit("/", 1)[1].upper()  # the pattern ignores case
    found = logs.describe_log_groups(logGroupNamePattern=tail)["logGroups"]
    assert [g["logGroupName"] for g in found] == names
    with pytest.raises(ClientError) as exc:
        logs.describe_log_groups(logGroupNamePrefix=group, logGroupNamePattern=tail)
    assert error_of(exc)[:2] == ("InvalidParameterException", 400)


def test_retention_values(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    (g,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert g["retentionInDays"] == 14
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName=group, retentionInDays=4)
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400)
    assert "Value '4' at 'retentionInDays'" in message
    assert "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096" in message
    logs.delete_retention_policy(logGroupName=group)
    (g,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert "retentionInDays" not in g


def test_tags_both_ways(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    arn = f"{ARN}{group}"
    logs.tag_log_group(logGroupName=group, tags={"a": "1", "b": "2"})
    logs.tag_resource(resourceArn=arn, tags={"c": "3"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2", "c": "3"}
    logs.untag_log_group(logGroupName=group, tags=["a"])
    logs.untag_resource(resourceArn=arn, tagKeys=["c"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        logs.list_tags_for_resource(resourceArn="arn:aws:sqs:us-east-1:000000000000:q")
    assert error_of(exc)[:2] == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as exc:
        logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    assert error_of(exc)[:2] == ("TooManyTagsException", 400)


def test_streams_describe_order_and_paging(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    for name in ("c", "a", "b"):
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    t = now_ms()
    # b gets the newest event, c an older one, a none.
    logs.put_log_events(
        logGroupName=group, logStreamName="c", logEvents=[{"timestamp": t - 5000, "message": "x"}]
    )
    logs.put_log_events(
        logGroupName=group, logStreamName="b", logEvents=[{"timestamp": t, "message": "y"}]
    )

    def names(**kw: Any) -> list[str]:
        out = logs.describe_log_streams(logGroupName=group, **kw)["logStreams"]
        return [s["logStreamName"] for s in out]

    assert names() == ["a", "b", "c"]
    assert names(descending=True) == ["c", "b", "a"]
    assert names(orderBy="LastEventTime") == ["a", "c", "b"]
    assert names(orderBy="LastEventTime", descending=True) == ["b", "c", "a"]
    assert names(logStreamNamePrefix="b") == ["b"]
    page = logs.describe_log_streams(logGroupName=group, limit=2)
    assert [s["logStreamName"] for s in page["logStreams"]] == ["a", "b"]
    rest = logs.describe_log_streams(logGroupName=group, limit=2, nextToken=page["nextToken"])
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["c"]
    assert "nextToken" not in rest
    b = next(
        s
        for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
        if s["logStreamName"] == "b"
    )
    assert b["firstEventTimestamp"] == b["lastEventTimestamp"] == t
    assert b["arn"] == f"{ARN}{group}:log-stream:b"
    assert b["uploadSequenceToken"].isdigit()
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="b"
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    )


def test_stream_errors_and_delete(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        400,
        "The specified log stream already exists",
    )
    logs.delete_log_stream(logGroupName=group, logStreamName="s")
    for call in (
        lambda: logs.delete_log_stream(logGroupName=group, logStreamName="s"),
        lambda: logs.get_log_events(logGroupName=group, logStreamName="s"),
        lambda: logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": now_ms(), "message": "m"}],
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == (
            "ResourceNotFoundException",
            400,
            "The specified log stream does not exist.",
        )


def test_deleting_a_group_deletes_its_streams(logs: Any, group: str) -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.delete_log_group(logGroupName=group)
    logs.create_log_group(logGroupName=group)
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []
