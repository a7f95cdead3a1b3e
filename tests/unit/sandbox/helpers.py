"""Helpers for sandbox tests: a real engine with the Linux sandbox, leak checks by name."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from nubis.engine.local import LocalEngine
from nubis.model.settings import EngineSettings
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox import detect
from nubis.sandbox.cgroups import mounts
from nubis.sandbox.instances import LOCK_DIR
from nubis.sandbox.linux import LinuxSandbox, LinuxSandboxSettings
from nubis.sandbox.nftnl import NfTables
from tests.unit.engine.helpers import assert_gone, children_of

T = TypeVar("T")
RUN_DIR = Path("/run/nubis-tests")
DISK_DIR = Path("/var/tmp/nubis-tests")


_CHECKS = detect.probe()
_WHY_NOT = "; ".join(f"{c.name}: {c.detail}" for c in _CHECKS if c.required and not c.ok)
NETWORK = all(c.ok for c in _CHECKS if c.name == "network")
needs_isolation = pytest.mark.skipif(bool(_WHY_NOT), reason=f"no isolation: {_WHY_NOT}")
needs_network = pytest.mark.skipif(not NETWORK, reason="no bridge network (pyroute2, nf_tables)")


def run_isolated(
    test: Callable[[LocalEngine, MemoryLogSink, LinuxSandbox], Awaitable[T]],
    *,
    api_port: int | None = None,
    settings: EngineSettings | None = None,
) -> T:
    """A real engine with a LinuxSandbox around `test`; afterwards nothing may be left."""

    async def main() -> T:
        children_before = set(children_of(os.getpid()))
        sandbox = LinuxSandbox(
            LinuxSandboxSettings(
                run_dir=RUN_DIR,
                disk_dir=DISK_DIR,
                keep_ready=1,
                api_port=api_port,
                network=NETWORK,
            )
        )
        sink = MemoryLogSink()
        engine = LocalEngine(settings or EngineSettings(), sink, sandbox=sandbox)
        await engine.start()
        try:
            return await test(engine, sink, sandbox)
        finally:
            pids = engine.process_ids()
            await engine.close()
            assert_gone(pids, children_before)
            assert leftovers(sandbox.instance) == []

    return asyncio.run(main())


def leftovers(instance: str, run_dir: Path = RUN_DIR) -> list[str]:
    """Everything named after `instance` that still exists: cgroups, mounts, interfaces,
    nftables tables, files."""
    found = []
    for point, _, fstype, _ in mounts():
        if fstype in ("cgroup", "cgroup2"):
            # os.walk, not rglob: other tests' groups vanish while it walks.
            found += [
                os.path.join(top, d)
                for top, dirs, _ in os.walk(point)
                for d in dirs
                if d == f"nubis-{instance}"
            ]
        elif f"/{instance}/" in point:
            found.append(point)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [w.rstrip(":") for w in links.split() if w.startswith(f"nb{instance}")]
    with NfTables() as nft:  # through netlink: the `nft` binary may not be installed
        found += [f"table {name}" for _, name in nft.tables() if name == f"nubis-{instance}"]
    for path in (run_dir / instance, run_dir / f"{instance}.lock", LOCK_DIR / f"{instance}.lock"):
        if path.exists():
            found.append(str(path))
    return found
