"""What the engine's helpers (provisioned concurrency, SnapStart) may ask of the engine
that owns the pool: `LocalEngine` implements it.

Contract:
- `starting(spec)` puts a new environment of `spec` in the pool, held (STARTING): it is
  counted against `max_environments`, retired and destroyed like any, but neither idle
  nor reapable until it is `release`d.
- `launch(env, zygote, options, snapshot=None)` forks it (sandbox plan, Runtime API,
  log pipe, the zygote's fork or a prepared blank) and routes its exit to it. On failure
  the caller still owns `env` and must `discard` it.
- `release(env)` ends a hold: the environment becomes idle, or is destroyed soon if it
  is discarded, retiring, or the engine is closing.
- `discard(env)` removes it from the pool and destroys it; the one way environments are
  destroyed. Idempotent.
- `make_room(spec)` evicts the least recently used idle on-demand environment when the
  host is full, or raises `TooManyRequestsException` (and records a throttle).
All of it runs on the event loop thread.
"""

from __future__ import annotations

import socket
from typing import Protocol

from nubis.engine.environment import Environment
from nubis.engine.options import LaunchOptions
from nubis.engine.pool import Pool
from nubis.engine.zygote import Zygote
from nubis.model.clock import Clock
from nubis.model.function import FunctionSpec
from nubis.model.settings import EngineSettings
from nubis.sandbox.base import Sandbox


class Host(Protocol):
    @property
    def pool(self) -> Pool: ...

    @property
    def settings(self) -> EngineSettings: ...

    @property
    def sandbox(self) -> Sandbox: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def closed(self) -> bool: ...

    def zygote_for(self, runtime: str) -> Zygote | None:
        """The zygote that forks `runtime`'s environments, or None (not on this host)."""
        ...

    def forks_itself(self, runtime: str) -> bool:
        """True for a Python runtime: its zygote is its own (not an exec of another)."""
        ...

    def starting(self, spec: FunctionSpec) -> Environment: ...

    async def launch(
        self,
        env: Environment,
        zygote: Zygote,
        options: LaunchOptions,
        snapshot: socket.socket | None = None,
    ) -> None: ...

    def release(self, env: Environment) -> None: ...

    async def discard(self, env: Environment) -> None: ...

    async def make_room(self, spec: FunctionSpec) -> None: ...
