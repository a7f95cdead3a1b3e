"""`kill -9` of an isolated server with frozen environments, then a restart on the same
data dir: the zygotes die with the server, the new server's API answers, and once its
background sweep is over nothing of the killed instance is left (processes, cgroups,
lock file)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from nubis.sandbox.instances import LOCK_DIR
from tests.helpers import create, lambda_client, running_server
from tests.unit.sandbox.helpers import leftovers, needs_isolation
from tests.unit.sandbox.instances import (
    cgroup_dirs,
    instance_of,
    processes_of,
    running,
    until,
    zygotes_of,
)

pytestmark = needs_isolation

FUNCTIONS = 3
RUN_DIR = Path("/run/nubis")  # the server's default


def test_after_kill_9_the_restart_answers_and_removes_every_frozen_environment(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with running_server(data, "--isolation", "on") as first:
        client = lambda_client(first.endpoint)
        for i in range(FUNCTIONS):
            create(client, f"f{i}", "def handler(e, c):\n    return 1\n")
            assert client.invoke(FunctionName=f"f{i}")["StatusCode"] == 200
        instance = instance_of(first.proc.pid)
        time.sleep(0.5)  # idle environments are frozen 50 ms after their invocation
        envs = processes_of(instance)
        assert len(envs) >= FUNCTIONS
        zygotes = zygotes_of(first.proc.pid)
        assert zygotes
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
    # The zygotes had a parent-death signal; the frozen environments cannot die yet.
    assert until(lambda: not any(running(z) for z in zygotes), 10)
    assert any(running(p) for p in envs)
    assert (LOCK_DIR / f"{instance}.lock").exists()  # dead, not yet swept

    with running_server(data, "--isolation", "on") as second:
        client = lambda_client(second.endpoint)
        names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
        assert names == {f"f{i}" for i in range(FUNCTIONS)}
        # The sweep runs in the background; bounded, not timed.
        assert until(lambda: not cgroup_dirs(instance), 60), cgroup_dirs(instance)
        assert until(lambda: not any(running(p) for p in envs), 10)
        assert until(lambda: leftovers(instance, RUN_DIR) == [], 30), leftovers(instance, RUN_DIR)
        assert not (LOCK_DIR / f"{instance}.lock").exists()
        assert client.invoke(FunctionName="f0")["StatusCode"] == 200  # cold start again
