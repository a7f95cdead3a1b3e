"""IAM and STS through the real server (`nubis serve` on loopback), with boto3's `iam`
and `sts` clients and the aws CLI. The server is the session's shared one: each test
uses names (and paths) of its own."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.helpers import Server

ACCOUNT = "000000000000"  # nubis serve's default --account-id
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"


def client(service: str, endpoint: str, key: str = "test", secret: str = "test", **kw: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30),
        **kw,
    )


def error_of(call: Callable[[], Any]) -> tuple[int, str, str]:
    """(HTTP status, code, message) of the ClientError `call` raises."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    error = response["Error"]
    assert error["Type"] == "Sender"
    assert response["ResponseMetadata"]["RequestId"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]


def trust(principal: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def allow(action: str, resource: str = "*") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        }
    )


@pytest.fixture(scope="session")
def iam(server: Server) -> Any:
    return client("iam", server.endpoint)


@pytest.fixture(scope="session")
def sts(server: Server) -> Any:
    return client("sts", server.endpoint)


@pytest.fixture
def uid() -> str:
    """A suffix unique to the test, for names and paths on the shared server."""
    return uuid.uuid4().hex[:10]
