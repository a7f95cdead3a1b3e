"""A real server with short retry delays for the asynchronous-invocation tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.compat.sqs.conftest import sqs_client
from tests.helpers import Server, lambda_client, running_server

RETRY_DELAYS = "0.3,0.3"


@pytest.fixture(scope="module")
def async_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("async") / "data"
    with running_server(data, "--async-retry-delays", RETRY_DELAYS, "--idle-timeout", "30") as srv:
        yield srv


@pytest.fixture(scope="module")
def lam(async_server: Server) -> Any:
    return lambda_client(async_server.endpoint)


@pytest.fixture(scope="module")
def sqs(async_server: Server) -> Any:
    return sqs_client(async_server.endpoint)


def make_queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive_json(sqs: Any, url: str, timeout: float = 15.0, **kw: Any) -> tuple[Any, Any]:
    """The next message on `url` (body parsed as JSON) and the raw message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, **kw).get("Messages")
        if got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
            return json.loads(got[0]["Body"]), got[0]
    raise AssertionError(f"no message on {url} within {timeout} s")
