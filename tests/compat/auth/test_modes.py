"""Which auth mode a server runs in: `auto` follows the address (loopback: open, any
other: iam), `--auth open` elsewhere is allowed and logged; and in iam mode every
service of the port keeps working for the administrator."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import Server, running_server

LIST_FUNCTIONS = "/2015-03-31/functions/"


def _unsigned_status(server: Server) -> int:
    try:
        with urllib.request.urlopen(server.endpoint + LIST_FUNCTIONS) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_server_on_every_address_is_iam_unless_told_otherwise(tmp_path: Path) -> None:
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
    with running_server(tmp_path / "a" / "data", "--host", "0.0.0.0") as srv:
        assert _unsigned_status(srv) == 403
        assert (srv.data_dir / "credentials").is_file()
        assert "--auth open on" not in srv.log()
    with running_server(tmp_path / "b" / "data", "--host", "0.0.0.0", "--auth", "open") as srv:
        assert _unsigned_status(srv) == 200
        assert not (srv.data_dir / "credentials").exists()
        assert "WARNING nubis: --auth open on 0.0.0.0" in srv.log()


def test_on_loopback_the_default_is_open(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as srv:
        assert _unsigned_status(srv) == 200
        assert not (srv.data_dir / "credentials").exists()


def test_the_administrator_uses_every_service(admin: Callable[[str], Any]) -> None:
    name = f"q-{uuid.uuid4().hex[:8]}"
    url = admin("sqs").create_queue(QueueName=name)["QueueUrl"]
    admin("sqs").send_message(QueueUrl=url, MessageBody="hi")
    assert admin("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hi"
    admin("logs").create_log_group(logGroupName=f"/auth/{name}")
    groups = admin("logs").describe_log_groups(logGroupNamePrefix=f"/auth/{name}")
    assert [g["logGroupName"] for g in groups["logGroups"]] == [f"/auth/{name}"]
    admin("cloudwatch").put_metric_data(
        Namespace=f"Auth/{name}", MetricData=[{"MetricName": "m", "Value": 1.0}]
    )
    listed = admin("cloudwatch").list_metrics(Namespace=f"Auth/{name}")["Metrics"]
    assert [m["MetricName"] for m in listed] == ["m"]
    statement = {"Effect": "Allow", "Action": "lambda:GetAccountSettings", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert admin("iam").create_policy(PolicyName=name, PolicyDocument=policy)["Policy"]
