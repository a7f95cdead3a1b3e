"""Log events through boto3: PutLogEvents' rules, GetLogEvents' forward and backward tokens,
FilterLogEvents interleaved across streams with filter patterns and paging, and (on a
clock the test moves) rejected events and retention that really deletes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.logs.conftest import ClockedLogs, now_ms
from tests.compat.logs.test_logs_groups import error_of

DAY_MS = 86_400_000


def put(logs: Any, group: str, stream: str, *events: tuple[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in events],
    )
    return out


def make(logs: Any, group: str, *streams: str) -> None:
    logs.create_log_group(logGroupName=group)
    for s in streams:
        logs.create_log_stream(logGroupName=group, logStreamName=s)


def messages(events: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in events]


def test_get_events_forward_and_backward_tokens(logs: Any, group: str) -> None:
    make(logs, group, "s")
    t = now_ms() - 60_000
    put(logs, group, "s", *[(t + i, f"m{i}") for i in range(5)])
    last = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
    assert messages(last["events"]) == ["m3", "m4"]  # the newest, oldest first
    assert last["nextForwardToken"].startswith("f/")
    assert last["nextBackwardToken"].startswith("b/")
    assert len(last["nextForwardToken"]) == 2 + 56
    back = logs.get_log_events(
        logGroupName=group, logStreamName="s", limit=2, nextToken=last["nextBackwardToken"]
    )
    assert messages(back["events"]) == ["m1", "m2"]
    back2 = logs.get_log_events(
        logGroupName=group, logStreamName="s", limit=2, nextToken=back["nextBackwardToken"]
    )
    assert messages(back2["events"]) == ["m0"]
    end = logs.get_log_events(
        logGroupName=group, logStreamName="s", limit=2, nextToken=back2["nextBackwardToken"]
    )
    assert end["events"] == []
    assert end["nextBackwardToken"] == back2["nextBackwardToken"]  # the same token at the start
    ahead = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=last["nextForwardToken"]
    )
    assert ahead["events"] == []
    assert ahead["nextForwardToken"] == last["nextForwardToken"]  # the same token at the end
    put(logs, group, "s", (t + 10, "later"))
    more = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=last["nextForwardToken"]
    )
    assert messages(more["events"]) == ["later"]


def test_get_events_from_head_time_range_and_bad_token(logs: Any, group: str) -> None:
    make(logs, group, "s")
    t = now_ms() - 60_000
    put(logs, group, "s", *[(t + i * 1000, f"m{i}") for i in range(4)])
    head = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2, startFromHead=True)
    assert messages(head["events"]) == ["m0", "m1"]
    assert head["events"][0]["ingestionTime"] >= head["events"][0]["timestamp"]
    nxt = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=head["nextForwardToken"]
    )
    assert messages(nxt["events"]) == ["m2", "m3"]
    ranged = logs.get_log_events(
        logGroupName=group, logStreamName="s", startTime=t + 1000, endTime=t + 3000
    )
    assert messages(ranged["events"]) == ["m1", "m2"]  # endTime is exclusive
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=group, logStreamName="s", nextToken="f/nonsense")
    assert error_of(exc)[:2] == ("InvalidParameterException", 400)


def test_filter_interleaves_streams_with_stable_ids(logs: Any, group: str) -> None:
    make(logs, group, "a", "b", "other")
    t = now_ms() - 60_000
    put(logs, group, "a", (t, "ERROR one"), (t + 2, "INFO two"), (t + 4, "ERROR five"))
    put(logs, group, "b", (t + 1, "ERROR three"), (t + 3, "ERROR four"))
    put(logs, group, "other", (t + 5, "ERROR six"))
    out = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")
    assert messages(out["events"]) == [
        "ERROR one", "ERROR three", "ERROR four", "ERROR five", "ERROR six",
    ]  # fmt: skip
    assert [e["logStreamName"] for e in out["events"]] == ["a", "b", "b", "a", "other"]
    ids = [e["eventId"] for e in out["events"]]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 56 and i.isdigit() for i in ids)
    again = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")
    assert [e["eventId"] for e in again["events"]] == ids
    searched = {s["logStreamName"] for s in out["searchedLogStreams"]}
    assert searched == {"a", "b", "other"}
    named = logs.filter_log_events(logGroupName=group, logStreamNames=["b"])
    assert messages(named["events"]) == ["ERROR three", "ERROR four"]
    prefixed = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="o")
    assert messages(prefixed["events"]) == ["ERROR six"]
    timed = logs.filter_log_events(logGroupName=group, startTime=t + 1, endTime=t + 2)
    assert messages(timed["events"]) == ["ERROR three", "INFO two"]  # both ends inclusive
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, logStreamNames=["a"], logStreamNamePrefix="a")
    assert error_of(exc)[:2] == ("InvalidParameterException", 400)


def test_filter_pages_with_next_token_and_paginator(logs: Any, group: str) -> None:
    make(logs, group, "a", "b")
    t = now_ms() - 60_000
    put(logs, group, "a", *[(t + 2 * i, f"a{i}") for i in range(5)])
    put(logs, group, "b", *[(t + 2 * i + 1, f"b{i}") for i in range(5)])
    got, token = [], None
    while True:
        page = logs.filter_log_events(
            logGroupName=group, limit=3, **({"nextToken": token} if token else {})
        )
        got += messages(page["events"])
        token = page.get("nextToken")
        if token is None:
            break
    assert got == [f"{s}{i}" for i in range(5) for s in "ab"]
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, filterPattern="%b[0-2]%", PaginationConfig={"PageSize": 1}
    )
    assert [m for p in pages for m in messages(p["events"])] == ["b0", "b1", "b2"]


def test_filter_pattern_errors_are_aws(logs: Any, group: str) -> None:
    make(logs, group, "s")
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.a = 1")
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "If a filter pattern starts with '{' it must end with '}'",
    )


def test_put_rules(logs: Any, group: str) -> None:
    make(logs, group, "s")
    t = now_ms()
    first = put(logs, group, "s", (t, "a"))
    second = put(logs, group, "s", (t, "b"))
    assert first["nextSequenceToken"] != second["nextSequenceToken"]
    assert "rejectedLogEventsInfo" not in first
    with pytest.raises(ClientError) as exc:
        put(logs, group, "s", (t, "late"), (t - 1, "early"))
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    with pytest.raises(ClientError) as exc:
        put(logs, group, "s", (t - DAY_MS - 1, "a"), (t, "b"))
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    )
    with pytest.raises(ClientError) as exc:
        put(logs, group, "s", (t, "x" * 1_048_576))
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "Log event too large: 1048602 bytes exceeds limit of 1048576",
    )
    big = "x" * (1_048_576 // 2)
    with pytest.raises(ClientError) as exc:
        put(logs, group, "s", (t, big), (t, big))
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "Upload too large: 1048628 bytes exceeds limit of 1048576",
    )
    (g,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert g["storedBytes"] == 2  # "a" and "b"


def test_rejected_events_on_a_moving_clock(clocked: ClockedLogs) -> None:
    logs, now = clocked.logs, clocked.now_ms()
    make(logs, "/g", "s")
    # A batch spans at most 24 hours, so the too old and the too new come in two.
    old = now - 15 * DAY_MS
    out = put(logs, "/g", "s", (old, "too old"), (old + 1, "too old"))
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    out = put(logs, "/g", "s", (now, "ok"), (now + 3 * 3600 * 1000, "too new"))
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    got = logs.get_log_events(logGroupName="/g", logStreamName="s")
    assert messages(got["events"]) == ["ok"]
    logs.put_retention_policy(logGroupName="/g", retentionInDays=1)
    out = put(logs, "/g", "s", (now - DAY_MS - 1000, "expired"), (now - 2000, "kept"))
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}


def test_retention_expires_events(clocked: ClockedLogs) -> None:
    logs, now = clocked.logs, clocked.now_ms()
    make(logs, "/kept", "s")
    make(logs, "/short", "s")
    logs.put_retention_policy(logGroupName="/short", retentionInDays=1)
    for g in ("/kept", "/short"):
        put(logs, g, "s", (now - 3600_000, "old"), (now, "new"))
    assert clocked.run(clocked.service.sweep()) == 0
    clocked.clock.advance(86_400 - 1800)  # "old" is now more than a day old, "new" is not
    assert clocked.run(clocked.service.sweep()) == 1
    assert messages(logs.filter_log_events(logGroupName="/short")["events"]) == ["new"]
    assert messages(logs.filter_log_events(logGroupName="/kept")["events"]) == ["old", "new"]
    (short,) = logs.describe_log_groups(logGroupNamePrefix="/short")["logGroups"]
    assert short["storedBytes"] == 3
    clocked.clock.advance(86_400)
    assert clocked.run(clocked.service.sweep()) == 1
    assert logs.get_log_events(logGroupName="/short", logStreamName="s")["events"] == []


def test_a_response_holds_at_most_one_megabyte(logs: Any, group: str) -> None:
    make(logs, group, "s")
    t = now_ms() - 60_000
    big = 400_000  # three of them are more than 1 MB
    put(logs, group, "s", (t, "a" * big), (t + 1, "b" * big))
    put(logs, group, "s", (t + 2, "c" * big))
    newest = logs.get_log_events(logGroupName=group, logStreamName="s")
    assert [e["message"][0] for e in newest["events"]] == ["b", "c"]
    oldest = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [e["message"][0] for e in oldest["events"]] == ["a", "b"]
    first = logs.filter_log_events(logGroupName=group)
    assert [e["message"][0] for e in first["events"]] == ["a", "b"]
    rest = logs.filter_log_events(logGroupName=group, nextToken=first["nextToken"])
    assert [e["message"][0] for e in rest["events"]] == ["c"]
    assert "nextToken" not in rest


def test_log_group_identifiers(logs: Any, group: str) -> None:
    make(logs, group, "s")
    put(logs, group, "s", (now_ms(), "by arn"))
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"
    got = logs.get_log_events(logGroupIdentifier=arn, logStreamName="s")
    assert messages(got["events"]) == ["by arn"]
    (s,) = logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]
    assert s["logStreamName"] == "s"
    found = logs.describe_log_groups(logGroupIdentifiers=[arn, f"{group}-missing"])
    assert [g["logGroupName"] for g in found["logGroups"]] == [group]
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=group, logGroupIdentifier=arn, logStreamName="s")
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    )
