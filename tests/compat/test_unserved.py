"""A service (or protocol) Nubis does not serve answers in the client's own protocol: real
boto3 clients of each protocol raise a ClientError with a code, never a parse error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.helpers import Server

# (service, a call of it, the code botocore reports, the protocol botocore speaks)
CALLS: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("sns", lambda c: c.list_topics(), "InvalidAction", "query"),
    ("cloudformation", lambda c: c.list_stacks(), "InvalidAction", "query"),
    ("s3", lambda c: c.list_buckets(), "NotImplemented", "rest-xml"),
    ("cloudwatchomni", lambda c: c.list_domains(), "UnknownOperationException", "cbor"),
    ("kinesis", lambda c: c.list_streams(), "UnknownOperationException", "json"),
    ("events", lambda c: c.list_rules(), "UnknownOperationException", "json"),
]


def client_of(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30),
    )


@pytest.mark.parametrize(("service", "call", "code", "protocol"), CALLS, ids=[c[0] for c in CALLS])
def test_unserved_service_is_a_client_error_in_its_protocol(
    server: Server, service: str, call: Callable[[Any], Any], code: str, protocol: str
) -> None:
    client = client_of(service, server.endpoint)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call(client)
    finally:
        client.close()
    error = caught.value.response["Error"]
    assert error["Code"] == code
    signing = client.meta.service_model.signing_name
    assert error["Message"] == f"Nubis does not serve the '{signing}' service"
    assert caught.value.response["ResponseMetadata"]["RequestId"]
