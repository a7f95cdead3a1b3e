"""Looking at a running (or killed) server's sandbox instance from outside, by its names."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from nubis.sandbox.cgroups import mounts
from nubis.sandbox.instances import LOCK_DIR


def instance_of(pid: int) -> str:
    """The sandbox instance of the server process `pid` (as its lock file records it)."""
    for path in LOCK_DIR.glob("*.lock"):
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == pid:
                return path.name.removesuffix(".lock")
    raise LookupError(f"no sandbox instance of process {pid}")


def cgroup_dirs(instance: str) -> list[Path]:
    """Every cgroup directory `nubis-<instance>`, in every hierarchy (os.walk, not rglob:
    other tests' groups vanish while it walks)."""
    found: list[Path] = []
    for point, _, fstype, _ in mounts():
        if fstype in ("cgroup", "cgroup2"):
            for top, dirs, _ in os.walk(point):
                found += [Path(top) / d for d in dirs if d == f"nubis-{instance}"]
    return found


def processes_of(instance: str) -> set[int]:
    """The pids in the instance's cgroups (its environments)."""
    pids: set[int] = set()
    for parent in cgroup_dirs(instance):
        for top, _, files in os.walk(parent):
            if "cgroup.procs" in files:
                with contextlib.suppress(OSError):
                    pids |= {int(p) for p in Path(top, "cgroup.procs").read_text().split()}
    return pids


def running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan whose pid 1 does not reap it
    is dead: it holds no memory and no cgroup)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def zygotes_of(pid: int) -> list[int]:
    """Running processes whose parent is `pid` and that run the zygote."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"zygote.py" in cmdline:
                    found.append(int(entry))
    return found


def until(check: Callable[[], bool], limit_s: float = 60.0) -> bool:
    """Poll `check` every 20 ms until it holds (True) or the bound passes (False)."""
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
