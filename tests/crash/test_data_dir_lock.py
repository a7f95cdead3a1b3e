"""Two servers on one data dir: the second refuses to start, in one line, and leaves the
first's files (and its leased async events) alone; the lock dies with its owner."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import create, free_port, lambda_client, running_server

SLOW = """
import time
from pathlib import Path
def handler(event, context):
    Path(event["mark"]).open("a").write(context.aws_request_id + "\\n")
    time.sleep(event["sleep"])
    return "done"
"""


def _serve(data_dir: Path) -> subprocess.CompletedProcess[str]:
    serve = [sys.executable, "-m", "nubis.cli.main", "serve", "--isolation", "off"]
    return subprocess.run(
        [*serve, "--port", str(free_port()), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists()


def test_a_second_server_on_the_same_data_dir_refuses(data_dir: Path, name: str) -> None:
    mark = data_dir.parent / "runs"
    with running_server(data_dir) as first:
        client = lambda_client(first.endpoint)
        create(client, name, SLOW, Timeout=30)
        payload = json.dumps({"mark": str(mark), "sleep": 3}).encode()
        client.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
        _wait_for(mark)  # the event is leased and running in the first server

        second = _serve(data_dir)
        assert second.returncode == 1
        assert second.stderr == (
            f"nubis: data dir {data_dir} is in use by another nubis serve (pid {first.proc.pid})\n"
        )
        assert client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
        # The second server did not re-queue the first's leased event: it ran once.
        assert len(mark.read_text().split()) == 1


def test_the_lock_dies_with_its_owner(data_dir: Path) -> None:
    with running_server(data_dir) as first:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    with running_server(data_dir) as again:
        assert again.proc.poll() is None
