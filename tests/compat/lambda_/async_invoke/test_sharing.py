"""Async work leaves capacity to synchronous calls: with `--async-concurrency 2`, a backlog
of slow events never delays a synchronous invocation."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import create, lambda_client, running_server

SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
"""


def test_sync_is_not_queued_behind_async(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--async-concurrency", "2") as srv:
        lam = lambda_client(srv.endpoint)
        create(lam, "slow", SLOW, Timeout=10)
        lam.invoke(FunctionName="slow", Payload=b'{"sleep": 0}')  # warm
        for _ in range(8):
            out = lam.invoke(FunctionName="slow", InvocationType="Event", Payload=b'{"sleep": 1}')
            assert out["StatusCode"] == 202
        time.sleep(0.3)  # two events are running, six wait
        start = time.monotonic()
        out = lam.invoke(FunctionName="slow", Payload=b'{"sleep": 0}')
        assert out["StatusCode"] == 200
        assert time.monotonic() - start < 0.9  # did not wait for a slow event to finish
        # Only two environments run events: the sync call needed a third at most.
        time.sleep(1.0)
        log = lam.meta.endpoint_url + "/_nubis/logs/slow"
        import urllib.request

        with urllib.request.urlopen(log) as resp:
            starts = resp.read().decode().count("START RequestId")
        assert starts <= 2 + 2 * 2 + 1  # warm-up, sync, and two events per second at most
