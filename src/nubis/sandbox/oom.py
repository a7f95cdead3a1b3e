"""Prompt out-of-memory kills in CPU-throttled groups.

When a group reaches its memory limit the kernel's OOM killer SIGKILLs a process, which
must then still exit (unmap and free everything it had) within its group's CPU quota:
0.072 vCPU at 128 MB, so a dying process can take a few hundred ms after the kill, and
the engine sees the death (and reports Lambda's `Runtime exited with error: signal:
killed`) only then, or sees the deadline first. So the moment the kernel reports an OOM
kill (an eventfd on cgroup v1's `memory.oom_control`), the group gets the whole host's
CPU; half a second later its own share again (a killed child, a runtime that lives on,
must not keep it). cgroup v2 has no pollable OOM event (`memory.events` changes only as
an inotify event) and kills the whole group (`memory.oom.group`); there the kill is only
as prompt as the quota allows.

`OomWatch` runs on the engine's event loop: `watch` and `unwatch` are called there or,
for `unwatch`, from any thread (it hops to the loop). Idempotent; never raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

from nubis.sandbox.cgroups import Cgroups

RESTORE_AFTER_S = 0.5


class OomWatch:
    def __init__(self, cgroups: Cgroups, host_cpus: float) -> None:
        self._cgroups = cgroups
        self._host_cpus = host_cpus
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fds: dict[str, int] = {}

    def watch(self, name: str, share: Callable[[], float | None]) -> None:
        """Watch group `name`; after a kill, `share()` is its CPU share again (None:
        leave it, e.g. during init, which has the whole host anyway)."""
        try:
            fd = self._cgroups.oom_events(name)
        except OSError:
            return  # no event: the kill is only slower
        if fd is None:
            return
        try:
            self._loop = loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the engine's loop: nothing to wake
            os.close(fd)
            return
        self._fds[name] = fd
        loop.add_reader(fd, self._killed, name, fd, share)

    def _killed(self, name: str, fd: int, share: Callable[[], float | None]) -> None:
        with contextlib.suppress(OSError):
            os.eventfd_read(fd)
        if self._fds.get(name) != fd:
            return
        with contextlib.suppress(OSError):
            self._cgroups.set_cpu(name, self._host_cpus)
        asyncio.get_running_loop().call_later(RESTORE_AFTER_S, self._restore, name, fd, share)

    def _restore(self, name: str, fd: int, share: Callable[[], float | None]) -> None:
        cpus = share() if self._fds.get(name) == fd else None
        if cpus is not None:
            with contextlib.suppress(OSError):
                self._cgroups.set_cpu(name, cpus)

    def unwatch(self, name: str) -> None:
        fd = self._fds.pop(name, None)
        loop = self._loop
        if fd is None or loop is None:
            return
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:
            here = False
        if here or loop.is_closed():
            _stop_reading(loop, fd)
        else:
            try:
                loop.call_soon_threadsafe(_stop_reading, loop, fd)
            except RuntimeError:  # closed meanwhile
                os.close(fd)


def _stop_reading(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    if not loop.is_closed():
        loop.remove_reader(fd)
    os.close(fd)
