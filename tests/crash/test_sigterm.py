"""SIGTERM drains: in-flight sync invocations get their answers, the server exits 0, the
next server on the same data dir starts, and an async event cut off by the drain
timeout runs after the restart (at-least-once)."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

from tests.helpers import create, lambda_client, running_server

SLEEPER = """
import time
from pathlib import Path
def handler(event, context):
    marks = Path(event["marks"])
    with (marks / ("start-" + context.aws_request_id)).open("a") as runs:
        runs.write("run\\n")  # async retries keep the request id: one line per run
    time.sleep(event["sleep"])
    (marks / ("done-" + context.aws_request_id)).touch()
    return {"slept": event["sleep"], "id": event.get("id")}
"""


def _wait_for(condition: Any, what: object) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, str(what)
        time.sleep(0.05)


def test_sigterm_lets_in_flight_invocations_finish(data_dir: Path, name: str) -> None:
    marks = data_dir.parent / "marks"
    marks.mkdir(parents=True)
    results: dict[int, Any] = {}

    def invoke(endpoint: str, i: int) -> None:
        payload = json.dumps({"marks": str(marks), "sleep": 2, "id": i}).encode()
        try:
            out = lambda_client(endpoint).invoke(FunctionName=name, Payload=payload)
            results[i] = (out["StatusCode"], json.loads(out["Payload"].read()))
        except Exception as exc:  # recorded, asserted below
            results[i] = exc

    with running_server(data_dir) as srv:
        create(lambda_client(srv.endpoint), name, SLEEPER, Timeout=30)
        threads = [threading.Thread(target=invoke, args=(srv.endpoint, i)) for i in range(5)]
        for t in threads:
            t.start()
        _wait_for(lambda: len(list(marks.glob("start-*"))) == 5, "5 invocations running")
        srv.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=60)
        assert srv.proc.wait(timeout=60) == 0
    assert results == {i: (200, {"slept": 2, "id": i}) for i in range(5)}

    with running_server(data_dir) as again:
        client = lambda_client(again.endpoint)
        payload = json.dumps({"marks": str(marks), "sleep": 0}).encode()
        assert client.invoke(FunctionName=name, Payload=payload)["StatusCode"] == 200


def test_an_async_event_cut_off_by_the_drain_runs_after_restart(data_dir: Path, name: str) -> None:
    marks = data_dir.parent / "marks"
    marks.mkdir(parents=True)
    payload = json.dumps({"marks": str(marks), "sleep": 4}).encode()
    with running_server(data_dir, "--drain-timeout", "0.5") as srv:
        client = lambda_client(srv.endpoint)
        create(client, name, SLEEPER, Timeout=30)
        client.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
        _wait_for(lambda: any(marks.glob("start-*")), "the event running")
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=60) == 0
    assert not any(marks.glob("done-*"))

    with running_server(data_dir):
        _wait_for(lambda: any(marks.glob("done-*")), "the event delivered after restart")
    [started] = marks.glob("start-*")
    assert started.read_text() == "run\nrun\n"  # the same event, run again
    assert (marks / started.name.replace("start-", "done-")).exists()
