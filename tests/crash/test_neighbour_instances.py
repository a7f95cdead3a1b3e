"""Two sandbox instances on one host with different run directories (a server and a test
run's sandbox): starting, sweeping and closing the second leaves the first's warm
environments, cgroups and bridge alone; once the first is killed, the next start of
either kind removes what it left, wherever it kept it."""

from __future__ import annotations

import base64
import signal
import time
from pathlib import Path

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.instances import LOCK_DIR
from nubis.sandbox.linux import LinuxSandbox
from nubis.sandbox.nftnl import NfTables
from tests.helpers import create, lambda_client, running_server
from tests.unit.engine.conftest import MakeSpec, make_spec
from tests.unit.engine.helpers import request
from tests.unit.sandbox.helpers import NETWORK, leftovers, needs_isolation, run_isolated
from tests.unit.sandbox.instances import cgroup_dirs, instance_of, processes_of, running, until

pytestmark = needs_isolation

__all__ = ["make_spec"]  # the fixture, shared with the engine tests

SERVER_RUN_DIR = Path("/run/nubis")  # the server's default; the test sandbox's differs


def _neighbour(make_spec: MakeSpec) -> None:
    """A test run's sandbox (run dir /run/nubis-tests): starts, sweeps, runs, closes."""
    spec = make_spec("def handler(e, c):\n    return 'neighbour'\n")

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        assert sandbox.wait_swept(60)
        assert (await engine.invoke(spec, request(spec))).payload == b'"neighbour"'

    run_isolated(body)


def _warm(client: object, name: str) -> bool:
    out = client.invoke(FunctionName=name, LogType="Tail")  # type: ignore[attr-defined]
    return "Init Duration" not in base64.b64decode(out["LogResult"]).decode()


def _tables() -> set[str]:
    with NfTables() as nft:
        return {name for _, name in nft.tables()}


def test_a_neighbour_sandbox_leaves_a_live_server_alone_and_sweeps_it_once_dead(
    tmp_path: Path, make_spec: MakeSpec
) -> None:
    with running_server(tmp_path / "data", "--isolation", "on") as server:
        instance = instance_of(server.proc.pid)
        client = lambda_client(server.endpoint)
        for name in ("a", "b"):
            create(client, name, "def handler(e, c):\n    return 1\n")
            client.invoke(FunctionName=name)
        time.sleep(0.5)  # idle: frozen
        envs = processes_of(instance)
        groups = cgroup_dirs(instance)
        assert envs
        assert groups
        bridge = Path(f"/sys/class/net/nb{instance}")
        tables = _tables()

        _neighbour(make_spec)

        assert all(running(p) for p in envs)
        assert cgroup_dirs(instance) == groups
        assert (LOCK_DIR / f"{instance}.lock").exists()
        if NETWORK:
            assert bridge.exists()
            assert f"nubis-{instance}" in tables
            assert f"nubis-{instance}" in _tables()
        assert _warm(client, "a")  # the same environments answer
        assert _warm(client, "b")
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
    assert leftovers(instance, SERVER_RUN_DIR) != []

    _neighbour(make_spec)  # its close waits for its sweep

    assert until(lambda: leftovers(instance, SERVER_RUN_DIR) == [], 30), leftovers(
        instance, SERVER_RUN_DIR
    )
    assert until(lambda: not any(running(p) for p in envs), 10)
