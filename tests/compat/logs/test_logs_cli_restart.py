"""The aws CLI v1's `logs` commands against the real server, and events that outlive a
restart of `nubis serve` (logs.db is fsync'd before PutLogEvents answers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.compat.logs.conftest import logs_client, now_ms
from tests.helpers import Server, running_server


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
        [str(cli), "--endpoint-url", endpoint, "--output", "json", "logs", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_awscli_groups_streams_and_filter(server: Server, group: str) -> None:
    ep = server.endpoint
    aws(ep, "create-log-group", "--log-group-name", group)
    aws(ep, "create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
    t = now_ms()
    events = json.dumps(
        [{"timestamp": t, "message": "hello cli"}, {"timestamp": t + 1, "message": "bye"}]
    )
    put = aws(
        ep,
        "put-log-events",
        "--log-group-name",
        group,
        "--log-stream-name",
        "s",
        "--log-events",
        events,
    )
    assert put["nextSequenceToken"]
    groups = aws(ep, "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    found = aws(ep, "filter-log-events", "--log-group-name", group, "--filter-pattern", "hello")
    assert [e["message"] for e in found["events"]] == ["hello cli"]
    assert found["events"][0]["logStreamName"] == "s"


def test_events_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    t = now_ms()
    with running_server(data) as srv:
        logs = logs_client(srv.endpoint)
        logs.create_log_group(logGroupName="/restart")
        logs.put_retention_policy(logGroupName="/restart", retentionInDays=30)
        logs.create_log_stream(logGroupName="/restart", logStreamName="s")
        logs.put_log_events(
            logGroupName="/restart",
            logStreamName="s",
            logEvents=[{"timestamp": t, "message": "before"}],
        )
        first = logs.filter_log_events(logGroupName="/restart")["events"]
    with running_server(data) as srv:
        logs = logs_client(srv.endpoint)
        (g,) = logs.describe_log_groups(logGroupNamePrefix="/restart")["logGroups"]
        assert g["retentionInDays"] == 30
        assert logs.filter_log_events(logGroupName="/restart")["events"] == first
        got = logs.get_log_events(logGroupName="/restart", logStreamName="s")
        assert [e["message"] for e in got["events"]] == ["before"]
