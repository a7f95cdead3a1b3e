"""The CloudWatch Logs API's error shape on the wire (JSON 1.1): raw requests that boto3
would not send, and botocore's json parser reading the code back."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from nubis.api.services.logs import logs_service
from nubis.control.logs.service import LogsService
from nubis.model.clock import FakeClock
from nubis.store.memory.logs import MemoryLogStore
from tests.helpers import Server

FAILING = [
    ("Logs_20140328.NoSuchOperation", b"{}", "UnknownOperationException"),
    ("Logs_20140328.DescribeMetricFilters", b"{}", "UnknownOperationException"),  # not served
    ("Logs_20140328.DescribeLogGroups", b"{not json", "SerializationException"),
    ("Logs_20140328.CreateLogGroup", b"{}", "InvalidParameterException"),
    ("Logs_20140328.DescribeLogGroups", b'{"limit": 51}', "InvalidParameterException"),
    ("Logs_20140328.DeleteLogGroup", b'{"logGroupName": "/no/such"}', "ResourceNotFoundException"),
    ("Logs_20140328.GetLogEvents", b'{"logStreamName": "s"}', "InvalidParameterException"),
]


def send(server: Server, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
        conn.request("POST", "/", body, headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("target", "body", "code"), FAILING)
def test_errors_are_json_11_with_400(server: Server, target: str, body: bytes, code: str) -> None:
    status, headers, data = send(server, target, body)
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-requestid"]
    document: dict[str, Any] = json.loads(data)
    assert document["message"]
    parsed = create_parser("json").parse(
        {"status_code": status, "headers": HeadersDict(headers), "body": data}, None
    )
    assert parsed["Error"]["Code"] == code


def test_operation_table_names_iam_actions_and_log_group_arns() -> None:
    store = MemoryLogStore()
    service = logs_service(LogsService(store, FakeClock(), "eu-west-1", "123456789012"))
    group = "arn:aws:logs:eu-west-1:123456789012:log-group:/g"
    assert len(service.operations) == 17
    for name, op in service.operations.items():
        assert op.action == f"logs:{name}"
        assert op.resource({"logGroupName": "/g"}) == f"{group}:*"
    assert service.operations["DescribeLogGroups"].resource({}) == "*"
    tag = service.operations["TagResource"]
    assert tag.resource({"resourceArn": group}) == group
    get = service.operations["GetLogEvents"]
    assert get.resource({"logGroupIdentifier": group}) == f"{group}:*"
    assert service.target_prefixes == ("Logs_20140328",)
    store.close()
