"""The server process itself: persistence across restarts, clean shutdown, idle reaping."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.helpers import children_of, create, lambda_client, running_server

COUNTER = """
import os
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    return {"count": COUNT, "pid": os.getpid()}
"""


def test_metadata_and_code_survive_restart(data_dir: Path) -> None:
    with running_server(data_dir) as srv:
        client = lambda_client(srv.endpoint)
        created = create(client, "survivor", COUNTER)
        assert json.loads(client.invoke(FunctionName="survivor")["Payload"].read())["count"] == 1
        blobs = list((data_dir / "code" / "sha256").glob("*.zip"))
        assert len(blobs) == 1
    with running_server(data_dir) as srv:
        client = lambda_client(srv.endpoint)
        conf = client.get_function_configuration(FunctionName="survivor")
        assert conf["CodeSha256"] == created["CodeSha256"]
        assert conf["RevisionId"] == created["RevisionId"]
        assert json.loads(client.invoke(FunctionName="survivor")["Payload"].read())["count"] == 1


def test_shutdown_leaves_no_processes(data_dir: Path) -> None:
    with running_server(data_dir) as srv:
        client = lambda_client(srv.endpoint)
        create(client, "f", COUNTER)
        pid = json.loads(client.invoke(FunctionName="f")["Payload"].read())["pid"]
        assert pid in children_of(srv.proc.pid)
        server_pid = srv.proc.pid
    assert srv.proc.returncode == 0
    assert children_of(server_pid) == []
    assert not Path(f"/proc/{pid}").exists()


def test_idle_environments_are_reaped(data_dir: Path) -> None:
    with running_server(data_dir, "--idle-timeout", "1") as srv:
        client = lambda_client(srv.endpoint)
        create(client, "f", COUNTER)
        first = json.loads(client.invoke(FunctionName="f")["Payload"].read())
        second = json.loads(client.invoke(FunctionName="f")["Payload"].read())
        assert second == {"count": 2, "pid": first["pid"]}
        deadline = time.monotonic() + 10
        while Path(f"/proc/{first['pid']}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{first['pid']}").exists()
        third = json.loads(client.invoke(FunctionName="f")["Payload"].read())
        assert third["count"] == 1
