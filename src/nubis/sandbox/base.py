"""The sandbox boundary: how an execution environment is confined.

The engine asks the sandbox to `prepare` an environment before it forks it, hands the
resulting *plan* (and file descriptors) to the zygote, and the forked child applies the
plan before any function code runs (`apply_plan` in `nubis/runtimes/python/fork_server.py`,
which uses `nubis/sandbox/confine.py`). The plan is a `Plan` (`plan.py`: the TypedDicts
both sides share, stdlib only so that the zygote, which cannot import Nubis, loads it by
path) and travels as JSON. Plans are checked against it where they are built and where
they are applied: a zygote that sees a key it does not know refuses to start the
environment rather than run it less isolated than the plan says.

Contract:
- `reserve(ro_binds)` (optional speed-up) returns the first stage of a plan for a
  *blank*: a process forked ahead of time that applies it and waits (see
  `nubis/engine/blanks.py`), or None when nothing is ready or worth doing ahead.
  `ro_binds` may already be mounted then (the environment's `EnvironmentLimits.ro_binds`
  that equal them are not mounted again). Its token is released with `release(token)`
  if it is never used.
- `prepare(env_id, limits, reservation)` is called once per environment, before the fork
  (or, with a reservation, before the blank is claimed; the plan is then the second
  stage), on the event loop; it takes resources from pools prepared ahead of time and
  should not block.
  The `Prepared.fds` stay owned by the sandbox (closed by `release`); the
  `Prepared.api_socket`, when set, is a listening socket that the engine's Runtime API
  server takes over (it lives inside the environment's network namespace).
- `pause(env_id)` / `resume(env_id)` freeze and thaw every process of an idle
  environment; idempotent, cheap, never raise. `release` works on a paused environment.
- `max_memory_mb(env_id)` is the environment's peak memory as its cgroup measured it, or
  None where the sandbox has no such measure (the engine then uses the process's VmHWM).
- SnapStart: an environment prepared with `EnvironmentLimits.snapshot` runs its init and
  then forks restored copies of itself, unprivileged. `prepare_restore(env_id, limits)`
  gives the plan each copy applies itself right after its fork (`confine.detach` and
  `confine.settle`: namespaces of its own, /proc, /tmp) with its fds; once the copy has
  settled, `adopt(env_id, pid)` (pid as the host sees it) does what only the host can
  (cgroup, network, the Runtime API socket) and returns the plan the copy applies
  before it runs again (giving up what it held to settle). Both are owed a `release`.
- `release(env_id)` is called exactly once for every prepared environment after its
  process is gone (also when the fork failed); idempotent; never raises.
- `describe()` says in one line which protections are active; `isolated` is False for
  the fallback. `announcement` is the line the server logs at start and its level: a
  loud warning for the fallback. `read_only_code` says whether environments see their
  code read-only (Python cannot write .pyc files beside it: the engine compiles them
  ahead). The engine takes these decisions from the sandbox, never from `isolated`.
- `layout` says where environments see their files (`paths.py`: the code at /var/task
  or at its host path, ...); the same object for the sandbox's whole life. Callers take
  in-sandbox paths from it, never from a branch on `isolated`.
- `close()` releases everything the sandbox created and waits for what it started in
  the background (the Linux sandbox's sweep of dead instances); idempotent.
The sandbox knows nothing about functions: it sees an environment id and its limits.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from nubis.sandbox.paths import Layout
from nubis.sandbox.plan import Plan


@dataclass(frozen=True)
class EnvironmentLimits:
    memory_mb: int
    ephemeral_mb: int
    code_dir: Path
    opt_dir: Path | None = None  # merged layers, mounted at /opt
    ro_binds: tuple[tuple[str, str], ...] = ()  # (host path, path inside) the runtime needs
    snapshot: bool = False  # SnapStart: it will fork restored copies of itself


@dataclass
class Reservation:
    token: str
    plan: Plan  # the first stage, applied by the blank right after its fork
    fds: list[int] = field(default_factory=list)  # owned by the sandbox


@dataclass
class Prepared:
    plan: Plan
    fds: list[int] = field(default_factory=list)  # passed to the zygote after the log pipe
    api_socket: socket.socket | None = None  # the Runtime API listener, made inside
    env: dict[str, str] = field(default_factory=dict)  # variables as seen inside


class Sandbox(Protocol):
    @property
    def isolated(self) -> bool: ...

    @property
    def layout(self) -> Layout: ...

    def describe(self) -> str: ...

    @property
    def announcement(self) -> tuple[int, str]:
        """(logging level, line) the server logs at start: `describe()`, at WARNING and
        marked `!!!` where environments are not isolated."""
        ...

    @property
    def read_only_code(self) -> bool: ...

    def reserve(self, ro_binds: tuple[tuple[str, str], ...] = ()) -> Reservation | None: ...

    async def prepare(
        self, env_id: str, limits: EnvironmentLimits, reservation: Reservation | None = None
    ) -> Prepared: ...

    async def prepare_restore(self, env_id: str, limits: EnvironmentLimits) -> Prepared: ...

    async def adopt(self, env_id: str, pid: int) -> Prepared: ...

    def initialized(self, env_id: str) -> None:
        """Its init is over: from now on it gets its configured CPU share (init runs with
        more, as Lambda's init phase does). Idempotent."""
        ...

    def pause(self, env_id: str) -> None: ...

    def resume(self, env_id: str) -> None: ...

    def max_memory_mb(self, env_id: str) -> int | None: ...

    def release(self, env_id: str) -> None: ...

    def close(self) -> None: ...
