"""SnapStart: each published SnapStart version gets a snapshot that restored environments
are forked from.

A *snapshot* is an ordinary environment of the version (fully sandboxed, in the engine's
pool, never idle and never handed an invocation) whose runtime, after init and the
before-snapshot hooks, serves fork requests on a socket instead of asking for events
(`serve_snapshot` in `nubis/runtimes/python/snapshot.py`). A cold start of the version
asks it for a copy: one fork of the initialised process (copy-on-write, so init's memory
is shared), which makes its own namespaces and /tmp (as uid 993: through a user
namespace), is then moved into its cgroup and network by the host, drops what it held
and runs the after-restore hooks (`Environment.launch_restored`). Its REPORT line has a
Restore Duration instead of an Init Duration.

One copy per version is also restored ahead of time (`refill`, 50 ms after the snapshot
is ready and after each cold start that used or missed it) and waits, frozen, in the idle
pool: the next cold start only thaws it (its Restore Duration is that wait). A copy costs
the pages it wrote (a few MB: the rest it shares with the snapshot), a /tmp disk and a
network namespace. Cold starts beyond it are forks made on demand.

Lambda snapshots a microVM's memory and disk (Firecracker); a fork of an initialised
process is the closest a process sandbox gets: memory (heap, imported modules, open
connections) is the snapshot's, /tmp starts empty. Python runtimes only, as in Lambda
(Java and .NET are not Nubis runtimes); other runtimes' SnapStart versions start as
usual.

Ownership: `Snapshots` owns one `Snapshot` per spec key (its socket and the exit
statuses of its copies); the environment behind it belongs to the engine's pool, which
destroys it (and with it, its copies: the snapshot is init of their PID namespace's
parent) when the version goes. Making a snapshot is a task per key, shared by the cold
starts of the version that find it not ready yet (they start as usual); one that failed
is not retried for that key.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nubis.engine.environment import Environment
from nubis.engine.process import EnvProcess
from nubis.engine.zygote import ForkChannel
from nubis.model.errors import ServiceException
from nubis.model.function import FunctionSpec

# Lambda allows a snapshot's init 130 s, or the function's timeout where that is longer.
SNAPSHOT_INIT_TIMEOUT_S = 130.0
_REFILL_DELAY_S = 0.05


class Snapshot(ForkChannel):
    """The engine's end of one snapshot's fork socket."""

    def __init__(self, env: Environment) -> None:
        super().__init__(f"SnapStart snapshot of {env.spec.key}", self._exited, self._lost)
        self.env = env
        self._copies: dict[int, EnvProcess] = {}  # pid in the snapshot's namespace
        self._restoring = 0  # copies forked that may still be in the snapshot's cgroup
        self._reaping: set[int] = set()  # copies that ended and that it has to reap
        ours, self.theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ready = self._attach(ours)

    async def wait_ready(self) -> bool:
        """True once init (and the before-snapshot hooks) ran and it waits for forks;
        False if init failed, the process ended or it took too long."""
        env = self.env
        assert env.process is not None
        timeout = max(SNAPSHOT_INIT_TIMEOUT_S, float(env.spec.timeout_s))
        waits: set[asyncio.Future[Any]] = {self.ready, env.process.exited, env.init_done}
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return self.ready.done() and self.ready.exception() is None

    async def fork(self, plan: Mapping[str, object], fds: list[int]) -> tuple[int, int]:
        """A copy: (its pid in the snapshot's PID namespace, a pidfd). The snapshot stays
        thawed until every copy asked for has called `left`: a copy is in the snapshot's
        cgroup (and would freeze with it) until the host moves it into its own."""
        self.env.thaw()
        self._restoring += 1
        try:
            pid, got = await self._request({"restore": True, "plan": plan}, fds)
        except BaseException:
            self.left()
            raise
        return pid, got[0]

    def left(self) -> None:
        """A copy asked for with `fork` is in its own cgroup now, or gone."""
        self._restoring -= 1
        self._maybe_freeze()

    def track(self, pid: int, process: EnvProcess) -> None:
        """Route the exit status the snapshot reports for `pid` to `process`. The
        snapshot is the copy's parent (it reaps it): it is thawed from the copy's exit
        until that report."""
        self._copies[pid] = process
        process.exited.add_done_callback(lambda _: self._copy_ended(pid))

    def _copy_ended(self, pid: int) -> None:
        if pid in self._copies and self._sock is not None:
            self._reaping.add(pid)
            self.env.thaw()

    def _exited(self, pid: int, status: int) -> None:
        process = self._copies.pop(pid, None)
        if process is not None:
            process.set_status(status)
        self._reaping.discard(pid)
        self._maybe_freeze()

    def _maybe_freeze(self) -> None:
        if self._restoring == 0 and not self._reaping:
            self.env.freeze_soon()

    def _lost(self, _: str) -> None:
        for process in self._copies.values():
            process.orphan()
        self._copies.clear()
        self._reaping.clear()

    def close(self) -> None:
        """Close the socket: the snapshot exits, and its copies with it. Idempotent."""
        self.theirs.close()
        if self._sock is not None:
            self._disconnect(ServiceException("the snapshot is closed"))


class Snapshots:
    def __init__(
        self,
        make: Callable[[FunctionSpec], Awaitable[Snapshot | None]],
        restore_spare: Callable[[FunctionSpec], Awaitable[None]],
    ) -> None:
        """`make(spec)` launches a snapshot environment and waits until it is ready, or
        returns None (no room, no such runtime, init failed). `restore_spare(spec)`
        restores one environment of the version ahead of time (see `refill`)."""
        self._make = make
        self._restore_spare = restore_spare
        self._refills: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, Snapshot] = {}
        self._making: dict[str, asyncio.Task[Snapshot | None]] = {}
        self._failed: set[str] = set()
        self._closed = False

    def prepare(self, spec: FunctionSpec) -> None:
        """Start making the snapshot of `spec` in the background (PublishVersion)."""
        if not self._closed and spec.key not in self._ready:
            self._start(spec)

    def get(self, spec: FunctionSpec) -> Snapshot | None:
        """The version's snapshot if it is ready; if not, None, and it is made in the
        background (the cold start that asked is an ordinary one: Lambda does not run a
        version before its snapshot exists, and waiting would hide init in a restore)."""
        snap = self._ready.get(spec.key)
        if snap is not None and snap.alive:
            return snap
        if not self._closed and spec.key not in self._failed:
            self._start(spec)
        return None

    def _start(self, spec: FunctionSpec) -> asyncio.Task[Snapshot | None]:
        task = self._making.get(spec.key)
        if task is None:
            task = asyncio.create_task(self._made(spec))
            self._making[spec.key] = task
        return task

    async def _made(self, spec: FunctionSpec) -> Snapshot | None:
        try:
            snap = await self._make(spec)
        finally:
            self._making.pop(spec.key, None)
        if snap is None:
            self._failed.add(spec.key)
        elif self._closed:
            snap.close()
            return None
        else:
            self._ready[spec.key] = snap
            self.refill(spec)
        return snap

    def refill(self, spec: FunctionSpec) -> None:
        """Soon (not during the cold start that asked), restore one environment of the
        version ahead of time if none is ready: with it the next cold start is a thaw."""
        task = self._refills.get(spec.key)
        if (task is None or task.done()) and not self._closed and spec.key in self._ready:
            self._refills[spec.key] = asyncio.create_task(self._refill(spec))

    async def _refill(self, spec: FunctionSpec) -> None:
        await asyncio.sleep(_REFILL_DELAY_S)
        await self._restore_spare(spec)

    def stale(self, now: float, limit_s: float) -> list[Environment]:
        """Snapshots not forked from for longer than `limit_s` (by their environment's
        `last_used`), for the reaper: an idle snapshot holds its memory. The next cold
        start of such a version is an ordinary one and makes a new snapshot."""
        return [s.env for s in self._ready.values() if now - s.env.last_used > limit_s]

    def count(self, spec: FunctionSpec) -> int:
        snap = self._ready.get(spec.key)
        return 1 if snap is not None and snap.alive else 0

    def give_up(self, spec: FunctionSpec) -> Environment | None:
        """Restores of this version fail: no more snapshot for it. Returns the snapshot's
        environment, for the engine to destroy."""
        self._failed.add(spec.key)
        snap = self._ready.pop(spec.key, None)
        if snap is None:
            return None
        snap.close()
        return snap.env

    def forget(self, env: Environment) -> None:
        """The engine destroys `env`: if it is a snapshot, that snapshot is gone."""
        snap = self._ready.get(env.spec.key)
        if snap is not None and snap.env is env:
            del self._ready[env.spec.key]
            snap.close()

    async def close(self) -> None:
        """Stop making snapshots; the environments go with the engine's pool."""
        self._closed = True
        tasks = [*self._making.values(), *self._refills.values()]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
        for snap in self._ready.values():
            snap.close()
        self._ready.clear()
