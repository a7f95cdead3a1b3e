"""The cgroup v2 driver against the host's real cgroup2 mount.

On a cgroup v2 host the whole sandbox suite runs on `CgroupV2` (the server picks it when
the unified hierarchy has the memory, cpu and pids controllers). On a v1 host (hybrid:
the unified hierarchy is mounted but its controllers are bound to v1) these tests still
drive `CgroupV2` through everything that does not need a controller: groups, moving a
process in, the freezer (`cgroup.freeze` is core v2), `cgroup.kill`, removal and the
sweep after a crash; and the limits of whichever controllers are available.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nubis.sandbox.cgroups import PREFIX, CgroupV2, destroy, instance_groups, mounts

_ROOT = next((Path(p) for p, _, t, _ in mounts() if t == "cgroup2"), None)
pytestmark = pytest.mark.skipif(
    _ROOT is None or os.geteuid() != 0, reason="needs root and a cgroup2 mount"
)


def _controllers() -> tuple[str, ...]:
    assert _ROOT is not None
    available = set((_ROOT / "cgroup.controllers").read_text().split())
    return tuple(c for c in ("memory", "cpu", "pids") if c in available)


def _events(group: Path) -> dict[str, str]:
    pairs = (line.split() for line in (group / "cgroup.events").read_text().splitlines())
    return {k: v for k, v in pairs}


def _until(check: object, limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def test_a_process_is_grouped_frozen_thawed_and_killed(
    sleeper: subprocess.Popen[bytes],
) -> None:
    instance = secrets.token_hex(2)
    cgroups = CgroupV2(instance, controllers=_controllers())
    assert _ROOT is not None
    group = _ROOT / f"{PREFIX}{instance}" / "env1"
    try:
        procs = cgroups.create("env1", 128, 0.5, 1024)
        Path(procs[0]).write_text(str(sleeper.pid))
        assert f"0::/{PREFIX}{instance}/env1" in Path(f"/proc/{sleeper.pid}/cgroup").read_text()
        if "memory" in _controllers():
            assert (group / "memory.max").read_text().strip() == str(128 << 20)
        if "pids" in _controllers():
            assert (group / "pids.max").read_text().strip() == "1024"
        cgroups.freeze("env1")
        _until(lambda: _events(group)["frozen"] == "1")
        cgroups.thaw("env1")
        _until(lambda: _events(group)["frozen"] == "0")
        cgroups.freeze("env1")  # removal must work on a frozen group too
        cgroups.remove("env1")
        assert sleeper.wait(timeout=5) == -9
        assert not group.exists()
    finally:
        cgroups.remove_all()
    assert not (_ROOT / f"{PREFIX}{instance}").exists()


def test_the_groups_of_a_dead_instance_are_destroyed(sleeper: subprocess.Popen[bytes]) -> None:
    dead, alive = secrets.token_hex(2), secrets.token_hex(2)
    assert _ROOT is not None
    crashed = CgroupV2(dead, controllers=_controllers())  # never closed: as after kill -9
    procs = crashed.create("env1", 128, 0.5, 1024)
    Path(procs[0]).write_text(str(sleeper.pid))
    crashed.freeze("env1")  # idle environments are frozen: destroy must kill them anyway
    survivor = CgroupV2(alive, controllers=_controllers())
    try:
        assert instance_groups(dead) == [_ROOT / f"{PREFIX}{dead}"]
        swept = destroy(instance_groups(dead))
        assert swept == [str(_ROOT / f"{PREFIX}{dead}")]
        assert not (_ROOT / f"{PREFIX}{dead}").exists()
        assert sleeper.wait(timeout=5) == -9  # what was still in it is gone too
        assert (_ROOT / f"{PREFIX}{alive}").exists()  # another instance is left alone
    finally:
        survivor.remove_all()
        crashed.remove_all()
