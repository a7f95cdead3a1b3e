"""A real isolated server: boto3 inside a function calls Nubis; nothing is left behind
after a stop, nor after a `kill -9` once the next server has started."""

from __future__ import annotations

import base64
import json
import signal
import threading
import time
from pathlib import Path

from tests.helpers import create, lambda_client, running_server
from tests.unit.sandbox.helpers import leftovers, needs_isolation, needs_network
from tests.unit.sandbox.instances import instance_of, until

pytestmark = needs_isolation

RUN_DIR = Path("/run/nubis")  # the server's default

SDK = """
import boto3

def handler(event, context):
    lam = boto3.client("lambda")
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    return {"names": names, "endpoint": lam.meta.endpoint_url}
"""


def _runtimes(log: str) -> list[str]:
    line = next(line for line in log.splitlines() if "runtimes: " in line)
    return line.split("runtimes: ", 1)[1].split(", ")


@needs_network
def test_boto3_inside_calls_nubis_and_a_stop_leaves_nothing(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--isolation", "on") as server:
        instance = instance_of(server.proc.pid)
        client = lambda_client(server.endpoint)
        create(client, "sdk", SDK, Timeout=30, MemorySize=512)
        out = client.invoke(FunctionName="sdk", Payload=b"{}")
        result = json.loads(out["Payload"].read())
        assert "FunctionError" not in out, result
        assert "sdk" in result["names"]
        assert result["endpoint"].startswith("http://nubis-host:")
        # Other runtimes through the API too: Node.js, deployed as a zip.
        node = next((r for r in _runtimes(server.log()) if r.startswith("nodejs")), None)
        if node is not None:
            create(
                client,
                "node",
                {"index.js": "exports.handler = async (e) => ({ node: process.version, e });"},
                Runtime=node,
                Handler="index.handler",
            )
            out = client.invoke(FunctionName="node", Payload=b'{"x": 1}')
            assert json.loads(out["Payload"].read())["e"] == {"x": 1}
        assert leftovers(instance, RUN_DIR) != []  # the check below can see things
    assert server.proc.returncode == 0
    assert leftovers(instance, RUN_DIR) == []


def test_the_next_server_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--isolation", "on") as server:
        instance = instance_of(server.proc.pid)
        client = lambda_client(server.endpoint)
        create(client, "f", "def handler(e, c):\n    return 1\n")
        assert client.invoke(FunctionName="f")["StatusCode"] == 200
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        assert leftovers(instance, RUN_DIR) != []
    with running_server(tmp_path / "data2", "--isolation", "on"):
        # The sweep runs beside the API, which does not wait for it: bounded, not timed.
        assert until(lambda: leftovers(instance, RUN_DIR) == [], 30), leftovers(instance, RUN_DIR)


SNAP = """
import time
import boto3  # the expensive part of init, done once ahead of time with SnapStart

CLIENT = boto3.client("lambda")

def handler(event, context):
    time.sleep(event.get("hold", 0))
    return "ok"
"""


def test_snapstart_version_through_the_api(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--isolation", "on") as server:
        client = lambda_client(server.endpoint)
        create(
            client,
            "snap",
            SNAP,
            MemorySize=1769,
            Timeout=30,
            SnapStart={"ApplyOn": "PublishedVersions"},
        )
        latest = client.get_function_configuration(FunctionName="snap")
        assert latest["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
        client.publish_version(FunctionName="snap")
        v1 = client.get_function_configuration(FunctionName="snap", Qualifier="1")
        assert v1["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
        first = client.invoke(FunctionName="snap", Qualifier="1", LogType="Tail")
        assert "Init Duration" in base64.b64decode(first["LogResult"]).decode()
        time.sleep(3)  # the spare's init (import boto3) runs in the background
        busy = threading.Thread(
            target=client.invoke,
            kwargs={"FunctionName": "snap", "Qualifier": "1", "Payload": b'{"hold": 1}'},
        )
        busy.start()
        time.sleep(0.2)
        started = time.perf_counter()
        out = client.invoke(FunctionName="snap", Qualifier="1", LogType="Tail")
        elapsed_ms = (time.perf_counter() - started) * 1000
        busy.join()
        report = base64.b64decode(out["LogResult"]).decode()
        assert "Restore Duration" in report, report
        assert "Init Duration" not in report
        assert elapsed_ms < 150  # boto3's import alone takes longer than that
