"""The queue service is tested through the real server (`nubis serve` on loopback), with
boto3 and the aws CLI."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from nubis.api.gateway import Gateway
from nubis.api.services.sqs import sqs_service
from nubis.control.queues import QueueService
from nubis.model.clock import FakeClock
from nubis.store.sqlite.queues import SqliteQueueStore
from tests.helpers import Server, free_port


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


@dataclass
class ClockedServer:
    """The SQS service on a real HTTP server in this process, on a `FakeClock` the test
    moves: the 60-second rules (purge, a queue deleted recently) without sleeping. A long
    poll (`WaitTimeSeconds`) waits on that clock too: not for these tests."""

    endpoint: str
    clock: FakeClock
    sqs: Any


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[ClockedServer]:
    clock = FakeClock(start=time.time())
    store = SqliteQueueStore(tmp_path / "queues.db")
    gateway = Gateway([sqs_service(QueueService(store, clock, "us-east-1", "000000000000"))])
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="clocked-sqs", daemon=True)
    thread.start()
    port = free_port()
    try:
        asyncio.run_coroutine_threadsafe(gateway.start("127.0.0.1", port), loop).result(10)
        endpoint = f"http://127.0.0.1:{port}"
        yield ClockedServer(endpoint, clock, sqs_client(endpoint))
    finally:
        asyncio.run_coroutine_threadsafe(_shut(gateway), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        store.close()


async def _shut(gateway: Gateway) -> None:
    await gateway.close()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
