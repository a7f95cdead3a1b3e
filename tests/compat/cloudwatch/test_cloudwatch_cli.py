"""The aws CLI v1's `cloudwatch` commands against the real server."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.compat.cloudwatch.conftest import wait_for
from tests.helpers import Server, create, lambda_client


def aws(endpoint: str, *args: str, ok: bool = True) -> Any:
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
        [str(cli), "--endpoint-url", endpoint, "--output", "json", "cloudwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if not ok:
        assert out.returncode != 0
        return out.stderr
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_cli_custom_metric_round_trip(server: Server) -> None:
    namespace = f"Cli/{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    e = server.endpoint
    for value in ("3", "5"):
        aws(e, "put-metric-data", "--namespace", namespace, "--metric-name", "Jobs",
            "--dimensions", "Queue=emails", "--value", value, "--unit", "Count")  # fmt: skip
    stats = aws(
        e, "get-metric-statistics", "--namespace", namespace, "--metric-name", "Jobs",
        "--dimensions", "Name=Queue,Value=emails", "--statistics", "Sum", "SampleCount",
        "--start-time", _iso(now - dt.timedelta(minutes=10)),
        "--end-time", _iso(now + dt.timedelta(minutes=2)), "--period", "3600",
    )  # fmt: skip
    assert stats["Label"] == "Jobs"
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 8
    assert sum(p["SampleCount"] for p in stats["Datapoints"]) == 2
    listed = aws(e, "list-metrics", "--namespace", namespace)
    assert listed["Metrics"] == [
        {"Namespace": namespace, "MetricName": "Jobs",
         "Dimensions": [{"Name": "Queue", "Value": "emails"}]}
    ]  # fmt: skip
    refused = aws(e, "put-metric-data", "--namespace", "AWS/Lambda", "--metric-name", "X",
                  "--value", "1", ok=False)  # fmt: skip
    assert "InvalidParameterValue" in refused


def test_cli_lambda_invocations(server: Server) -> None:
    name = f"cwcli-{uuid.uuid4().hex[:8]}"
    lam = lambda_client(server.endpoint)
    create(lam, name, "def handler(event, context):\n    return 1\n")
    for _ in range(2):
        lam.invoke(FunctionName=name, Payload=b"{}")
    lam.close()
    now = dt.datetime.now(dt.UTC)

    def invocations() -> float:
        out = aws(
            server.endpoint, "get-metric-statistics", "--namespace", "AWS/Lambda",
            "--metric-name", "Invocations", "--dimensions", f"Name=FunctionName,Value={name}",
            "--statistics", "Sum", "--period", "60",
            "--start-time", _iso(now - dt.timedelta(minutes=10)),
            "--end-time", _iso(now + dt.timedelta(minutes=5)),
        )  # fmt: skip
        return float(sum(p["Sum"] for p in out["Datapoints"]))

    assert wait_for(lambda: invocations() >= 2)
    assert invocations() == 2
