"""The cgroup boundary: one small Protocol, a v1 and a v2 implementation beside it.

A `Cgroups` owns a parent group `nubis-<instance>` (under the server's own cgroup) and
one child group per environment. Contract:
- `create(name, memory_mb, cpus, pids)` makes the child group with its limits set and
  returns the `cgroup.procs` files a process writes itself into (one per v1 hierarchy,
  one for v2). Called on the event loop: a few mkdir and small writes (~0.3 ms).
- `set_limits(name, memory_mb, cpus)` changes the memory and CPU limits of a group (a
  blank environment's, when it is claimed).
- `freeze(name)` / `thaw(name)` stop and resume every process of the group; both are
  idempotent and never raise for a group that is already gone.
- `oom_events(name)` is an eventfd (non-blocking, ours to close) that becomes readable
  when the group's out-of-memory killer acts, or None where there is no such event.
- `peak_memory_file(name)` is the path of the file holding the group's high-water mark
  of charged memory in bytes (it may not exist: then there is no such measure).
- `remove(name)` kills what is still in the group (thawing it first: a frozen v1 task
  cannot die) and removes the directories; idempotent, never raises, may wait a few ms
  for dying processes (call it off the event loop).
- `remove_all()` removes every child group and the parent.
- `path_of_parents()` are the instance's parent groups (one per hierarchy), recorded in
  its lock file so that whoever sweeps after a crash finds them (`instances.py`).

After a crash, `instance_groups(instance)` finds a dead instance's parents in this
process's hierarchies and `destroy(parents)` kills and removes them in one pass (see
there); deciding that the instance is dead is `instances.py`'s job, never this module's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Protocol

PREFIX = "nubis-"
_RMDIR_WAIT_S = 2.0
_DESTROY_WAIT_S = 10.0  # for a whole dead instance: killed processes take a while to exit
_FREEZE_WAIT_S = 1.0


# The CPU quota is enforced per period. With the kernel's 100 ms, a 128 MB function
# (0.072 vCPU) that has spent its 7.2 ms stalls for up to 93 ms (warm p99 at 128 MB); with
# 20 ms the same share stalls at most ~19 ms. The init phase runs with the whole host's
# CPU (as Lambda boosts init), so cold starts do not span periods either; the function's
# share applies from its first invocation (`LinuxSandbox.initialized`). The quota stays
# >= 1 ms, the kernel's minimum, down to 0.05 vCPU (below Lambda's 128 MB).
CPU_PERIOD_US = 20_000


class Cgroups(Protocol):
    version: int

    def create(self, name: str, memory_mb: int, cpus: float, pids: int) -> list[str]: ...

    def set_limits(self, name: str, memory_mb: int, cpus: float) -> None: ...

    def set_cpu(self, name: str, cpus: float) -> None: ...

    def freeze(self, name: str) -> None: ...

    def thaw(self, name: str) -> None: ...

    def oom_events(self, name: str) -> int | None: ...

    def peak_memory_file(self, name: str) -> str: ...

    def remove(self, name: str) -> None: ...

    def remove_all(self) -> None: ...

    def path_of_parents(self) -> list[str]: ...


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _kill_and_rmdir(group: Path) -> None:
    """SIGKILL every process listed in `group`, then rmdir it (and its children)."""
    if not group.exists():
        return
    for child in [p for p in group.iterdir() if p.is_dir()]:
        _kill_and_rmdir(child)
    deadline = time.monotonic() + _RMDIR_WAIT_S
    while True:
        try:
            pids = (group / "cgroup.procs").read_text().split()
        except OSError:
            pids = []
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)
        try:
            os.rmdir(group)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)


def mounts() -> list[tuple[str, str, str, str]]:
    """(mount point, root, fs type, super options) of every mount of this process."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        fstype, _, options = right.split()[:3]
        found.append((fields[4], fields[3], fstype, options))
    return found


def own_paths() -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            paths[c] = path
    return paths


def _relative(path: str, root: str) -> str:
    if root != "/" and path.startswith(root):
        path = path[len(root) :]
    return path.lstrip("/")


def _v1_bases() -> dict[str, Path]:
    """Controller -> this process's own group in that v1 hierarchy."""
    own = own_paths()
    bases: dict[str, Path] = {}
    for point, root, fstype, options in mounts():
        if fstype == "cgroup":
            for c in options.split(","):
                if c not in bases and c not in ("rw", "ro"):
                    bases[c] = Path(point) / _relative(own.get(c, "/"), root)
    return bases


def instance_groups(instance: str) -> list[Path]:
    """The parent groups `nubis-<instance>` that exist where this process would make
    its own (under its own v1 groups, at the cgroup2 root)."""
    places = set(_v1_bases().values())
    places |= {Path(p) for p, _, t, _ in mounts() if t == "cgroup2"}
    return sorted(p / (PREFIX + instance) for p in places if (p / (PREFIX + instance)).is_dir())


def _subtree(group: Path) -> list[Path]:
    """The group and every group below it, leaves first."""
    found: list[Path] = []
    for top, dirs, _ in os.walk(group, topdown=False):
        found += [Path(top) / d for d in dirs]
    return [*found, group] if group.is_dir() else found


def _pids(group: Path) -> list[int]:
    try:
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def destroy(parents: list[Path], wait_s: float = _DESTROY_WAIT_S) -> list[str]:
    """Kill every process in these groups (frozen or not) and remove them, in one pass:
    v2 `cgroup.kill` (it kills frozen tasks too); v1: freeze the whole subtree (so that
    nothing forks or exits while its pids are read), SIGKILL them all, then thaw every
    group (a frozen v1 task cannot die) and wait once for all of them, not per process
    or per controller. Returns the parents it removed. Never raises."""
    parents = [p for p in parents if p.is_dir()]
    freezers = [p for p in parents if (p / "freezer.state").exists()]
    for parent in parents:
        if (parent / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                _write(parent / "cgroup.kill", "1")
    for parent in freezers:
        with contextlib.suppress(OSError):
            _write(parent / "freezer.state", "FROZEN")
    deadline = time.monotonic() + _FREEZE_WAIT_S
    while freezers and time.monotonic() < deadline:
        states = [_read_state(p) for p in freezers]
        if all(state in ("FROZEN", "") for state in states):
            break
        time.sleep(0.002)
    groups = [g for parent in parents for g in _subtree(parent)]
    for group in groups:
        for pid in _pids(group):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    for parent in freezers:
        for group in _subtree(parent):  # children first: their own FROZEN outlives ours
            with contextlib.suppress(OSError):
                _write(group / "freezer.state", "THAWED")
    deadline = time.monotonic() + wait_s
    while True:
        left = []
        for group in [g for parent in parents for g in _subtree(parent)]:
            for pid in _pids(group):  # forked between our read and our kill
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            try:
                os.rmdir(group)
            except FileNotFoundError:
                pass
            except OSError:
                left.append(group)
        if not left or time.monotonic() > deadline:
            return [str(p) for p in parents if not p.exists()]
        time.sleep(0.005)


def _read_state(group: Path) -> str:
    try:
        return (group / "freezer.state").read_text().strip()
    except OSError:
        return ""


class CgroupV1:
    """One hierarchy per controller: memory, cpu, pids, freezer (cpuacct if separate)."""

    version = 1
    CONTROLLERS = ("memory", "cpu", "pids", "freezer")

    def __init__(self, instance: str) -> None:
        self.instance = instance
        all_bases = _v1_bases()
        self._bases = {c: all_bases[c] for c in self.CONTROLLERS if c in all_bases}
        missing = [c for c in self.CONTROLLERS if c not in self._bases]
        if missing:
            raise OSError(f"cgroup v1 controllers not mounted: {', '.join(missing)}")
        self._parents = {c: base / (PREFIX + instance) for c, base in self._bases.items()}
        for parent in self._parents.values():
            parent.mkdir(exist_ok=True)

    def _group(self, controller: str, name: str) -> Path:
        return self._parents[controller] / name

    def create(self, name: str, memory_mb: int, cpus: float, pids: int) -> list[str]:
        groups = {c: self._group(c, name) for c in self.CONTROLLERS}
        try:
            for group in groups.values():
                group.mkdir()
            # Lambda has no swap: where the host swaps and memory+swap is not accounted
            # (no memsw files), a group at its limit would swap for seconds instead of
            # being OOM-killed. 0 keeps its anonymous memory out of swap.
            swappiness = groups["memory"] / "memory.swappiness"
            if swappiness.exists():
                _write(swappiness, "0")
            self.set_limits(name, memory_mb, cpus)
            _write(groups["pids"] / "pids.max", str(pids))
        except BaseException:
            self.remove(name)
            raise
        return [str(g / "cgroup.procs") for g in groups.values()]

    def set_limits(self, name: str, memory_mb: int, cpus: float) -> None:
        mem = self._group("memory", name)
        limit = str(memory_mb << 20)
        swap = mem / "memory.memsw.limit_in_bytes"
        files = [mem / "memory.limit_in_bytes"]
        if swap.exists():  # memory+swap may never be below memory: order by direction
            old = _read_int(files[0]) or 0
            files = [swap, files[0]] if (memory_mb << 20) > old else [files[0], swap]
        for path in files:
            _write(path, limit)
        self.set_cpu(name, cpus)

    def set_cpu(self, name: str, cpus: float) -> None:
        cpu = self._group("cpu", name)
        period = CPU_PERIOD_US
        _write(cpu / "cpu.cfs_period_us", str(period))
        _write(cpu / "cpu.cfs_quota_us", str(max(1000, int(period * cpus))))
        _write(cpu / "cpu.shares", str(max(2, int(1024 * cpus))))

    def freeze(self, name: str) -> None:
        with contextlib.suppress(OSError):
            _write(self._group("freezer", name) / "freezer.state", "FROZEN")

    def thaw(self, name: str) -> None:
        with contextlib.suppress(OSError):
            _write(self._group("freezer", name) / "freezer.state", "THAWED")

    def oom_events(self, name: str) -> int | None:
        mem = self._group("memory", name)
        efd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        try:
            control = os.open(mem / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
            try:  # the kernel keeps what it needs: the control file's fd may go
                _write(mem / "cgroup.event_control", f"{efd} {control}")
            finally:
                os.close(control)
        except BaseException:
            os.close(efd)
            raise
        return efd

    def peak_memory_file(self, name: str) -> str:
        return str(self._group("memory", name) / "memory.max_usage_in_bytes")

    def remove(self, name: str) -> None:
        self.thaw(name)
        for c in self.CONTROLLERS:
            _kill_and_rmdir(self._group(c, name))

    def remove_all(self) -> None:
        destroy(list(self._parents.values()))

    def path_of_parents(self) -> list[str]:
        return [str(p) for p in self._parents.values()]


class CgroupV2:
    """The unified hierarchy: memory, cpu and pids controllers, cgroup.freeze, cgroup.kill."""

    version = 2

    def __init__(
        self,
        instance: str,
        root: Path | None = None,
        controllers: tuple[str, ...] = ("memory", "cpu", "pids"),
    ) -> None:
        """`root`: the cgroup2 mount (default: the host's first). `controllers` that
        are not available make this refuse; the server always asks for all three (a
        test on a v1 host, whose unified hierarchy has none of them, asks for fewer)."""
        self.instance = instance
        point = root or next((Path(p) for p, _, t, _ in mounts() if t == "cgroup2"), None)
        if point is None:
            raise OSError("no cgroup2 mount")
        self._root = point
        self._controllers = frozenset(controllers)
        available = set((self._root / "cgroup.controllers").read_text().split())
        if not self._controllers <= available:
            raise OSError(f"cgroup v2 lacks controllers: {sorted(self._controllers - available)}")
        enable = " ".join(f"+{c}" for c in controllers)
        # Under the root (exempt from the no-internal-processes rule), not under the
        # server's own group, which has processes and so cannot delegate controllers.
        with contextlib.suppress(OSError):
            if enable:
                _write(self._root / "cgroup.subtree_control", enable)
        self._parent = self._root / (PREFIX + instance)
        self._parent.mkdir(exist_ok=True)
        if enable:
            _write(self._parent / "cgroup.subtree_control", enable)

    def create(self, name: str, memory_mb: int, cpus: float, pids: int) -> list[str]:
        group = self._parent / name
        try:
            group.mkdir()
            for optional, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                if (group / optional).exists():
                    _write(group / optional, value)
            self.set_limits(name, memory_mb, cpus)
            if "pids" in self._controllers:
                _write(group / "pids.max", str(pids))
        except BaseException:
            self.remove(name)
            raise
        return [str(group / "cgroup.procs")]

    def set_limits(self, name: str, memory_mb: int, cpus: float) -> None:
        group = self._parent / name
        if "memory" in self._controllers:
            _write(group / "memory.max", str(memory_mb << 20))
        self.set_cpu(name, cpus)

    def set_cpu(self, name: str, cpus: float) -> None:
        if "cpu" not in self._controllers:
            return
        group = self._parent / name
        period = CPU_PERIOD_US
        _write(group / "cpu.max", f"{max(1000, int(period * cpus))} {period}")
        _write(group / "cpu.weight", str(max(1, min(10000, int(100 * cpus)))))

    def freeze(self, name: str) -> None:
        with contextlib.suppress(OSError):
            _write(self._parent / name / "cgroup.freeze", "1")

    def thaw(self, name: str) -> None:
        with contextlib.suppress(OSError):
            _write(self._parent / name / "cgroup.freeze", "0")

    def oom_events(self, name: str) -> int | None:
        # memory.events changes on an OOM kill, but only as an inotify event (a poll on
        # it always says readable); memory.oom.group already kills the whole group.
        return None

    def peak_memory_file(self, name: str) -> str:
        return str(self._parent / name / "memory.peak")

    def remove(self, name: str) -> None:
        group = self._parent / name
        with contextlib.suppress(OSError):
            _write(group / "cgroup.kill", "1")
        self.thaw(name)
        _kill_and_rmdir(group)

    def remove_all(self) -> None:
        destroy([self._parent])

    def path_of_parents(self) -> list[str]:
        return [str(self._parent)]


def open_cgroups(instance: str) -> Cgroups:
    """The v2 driver where the unified hierarchy has the controllers, else v1."""
    try:
        return CgroupV2(instance)
    except OSError as v2_error:
        try:
            return CgroupV1(instance)
        except OSError as v1_error:
            raise OSError(f"no usable cgroups (v2: {v2_error}; v1: {v1_error})") from v1_error
