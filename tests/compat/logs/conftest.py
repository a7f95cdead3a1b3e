"""The CloudWatch Logs API is tested through boto3's `logs` client and the aws CLI:
against the real server (`nubis serve`), and against an in-process gateway on a
`FakeClock` the test moves (what is too old, too new, or expired by retention)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config

from nubis.api.gateway import Gateway
from nubis.api.services.logs import logs_service
from nubis.control.logs.service import LogsService
from nubis.model.clock import FakeClock
from nubis.store.sqlite.logs import SqliteLogStore
from tests.helpers import Server, free_port

T = TypeVar("T")


def logs_client(endpoint: str) -> Any:
    return boto3.client(
        "logs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture(scope="session")
def logs(server: Server) -> Any:
    return logs_client(server.endpoint)


@pytest.fixture
def group(request: pytest.FixtureRequest) -> str:
    base = re.sub(r"[^a-zA-Z0-9_-]", "-", request.node.name)[:40]
    return f"/test/{base}-{uuid.uuid4().hex[:8]}"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class ClockedLogs:
    """The Logs service on a real HTTP server in this process, on a clock the test moves."""

    endpoint: str
    clock: FakeClock
    service: LogsService
    logs: Any
    loop: asyncio.AbstractEventLoop

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[ClockedLogs]:
    clock = FakeClock(start=time.time())
    store = SqliteLogStore(tmp_path / "logs.db")
    service = LogsService(store, clock, "us-east-1", "000000000000")
    gateway = Gateway([logs_service(service)])
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="clocked-logs", daemon=True)
    thread.start()
    port = free_port()
    try:
        asyncio.run_coroutine_threadsafe(gateway.start("127.0.0.1", port), loop).result(10)
        endpoint = f"http://127.0.0.1:{port}"
        yield ClockedLogs(endpoint, clock, service, logs_client(endpoint), loop)
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
