"""The test suite beside a running server: a separate `nubis serve --isolation on` serves
warm functions while the parts of the suite that make, kill, sweep and close sandbox
instances (isolated servers started and `kill -9`ed, test sandboxes in another run
directory) run in a pytest of their own; afterwards the server is unharmed: the same
environments answer warm, and its cgroups, bridge and nftables table are all there.

(The whole suite inside one of its own tests would run this test again; these subsets
are the ones that create and sweep instances.)"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nubis.sandbox.nftnl import NfTables
from tests.helpers import create, lambda_client, running_server
from tests.unit.sandbox.helpers import NETWORK, needs_isolation
from tests.unit.sandbox.instances import cgroup_dirs, instance_of, processes_of, running

pytestmark = needs_isolation

ROOT = Path(__file__).resolve().parents[2]
SUBSETS = (
    "tests/unit/sandbox/test_server.py",
    "tests/unit/sandbox/test_cgroup_v2.py",
    "tests/unit/sandbox/test_escape.py",
    "tests/crash/test_restart.py",
    "tests/crash/test_neighbour_instances.py",
)
# Asserts a restore within 3 s of publishing, which a loaded host misses; not a sweep.
TIMING = "tests/unit/sandbox/test_server.py::test_snapstart_version_through_the_api"
FUNCTIONS = ("warm-a", "warm-b")


def _tail(client: object, name: str) -> str:
    out = client.invoke(FunctionName=name, LogType="Tail")  # type: ignore[attr-defined]
    assert out["StatusCode"] == 200
    return base64.b64decode(out["LogResult"]).decode()


@pytest.mark.timeout(900)
def test_the_suite_beside_a_server_leaves_it_unharmed(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--isolation", "on", "--idle-timeout", "3600") as server:
        instance = instance_of(server.proc.pid)
        client = lambda_client(server.endpoint)
        for name in FUNCTIONS:
            create(client, name, "def handler(e, c):\n    return 1\n")
            assert "Init Duration" in _tail(client, name)
        time.sleep(0.5)  # idle: frozen
        envs = processes_of(instance)
        groups = sorted(cgroup_dirs(instance))
        assert envs
        assert groups

        inner = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--basetemp={tmp_path / 'inner'}", "--deselect", TIMING, *SUBSETS],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )  # fmt: skip

        assert server.proc.poll() is None
        assert all(running(p) for p in envs)
        assert sorted(cgroup_dirs(instance)) == groups
        if NETWORK:
            assert Path(f"/sys/class/net/nb{instance}").exists()
            with NfTables() as nft:
                assert f"nubis-{instance}" in {name for _, name in nft.tables()}
        for name in FUNCTIONS:  # the same environments, still warm
            assert "Init Duration" not in _tail(client, name)
        assert inner.returncode == 0, inner.stdout[-3000:] + inner.stderr[-2000:]
