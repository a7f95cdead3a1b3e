"""The queue service is tested through the real server (`nubis serve` on loopback), with
boto3 and the aws CLI."""

from __future__ import annotations

import re
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.helpers import Server


def sqs_client(endpoint: str) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60),
    )


@pytest.fixture(scope="session")
def queue_server(server: Server) -> Server:
    return server


@pytest.fixture(scope="session")
def sqs(server: Server) -> Any:
    return sqs_client(server.endpoint)


@pytest.fixture
def qname(request: pytest.FixtureRequest) -> str:
    base = re.sub(r"[^a-zA-Z0-9_-]", "-", request.node.name)[:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"
