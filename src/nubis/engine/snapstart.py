"""SnapStart: initialised spare environments of published versions, restored on cold starts.

Per SnapStart spec key, `Spares` keeps `keep` environments whose init already ran and
that are frozen while they wait (made by the engine's `start_spare`, after the cold start
that asked for them). `restore(spec)` hands one out (its REPORT line then has a Restore
Duration instead of an Init Duration) and starts a refill. Spares are ordinary members of
the engine's pool (counted against its cap, destroyed by its `_discard`, which calls
`forget`); they are never idle in the pool's sense, so only `stale` reaps them.

Not Lambda's mechanism (a memory snapshot) nor a fork of a per-version zygote: see
docs/isolation.md#snapstart for why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nubis.engine.environment import Environment
from nubis.model.function import FunctionSpec

SPARES_PER_VERSION = 1
_FILL_DELAY_S = 0.05  # after the cold start that asked, not during it


class Spares:
    def __init__(
        self,
        start_spare: Callable[[FunctionSpec], Awaitable[Environment | None]],
        keep: int = SPARES_PER_VERSION,
    ) -> None:
        """`start_spare(spec)` launches and initialises one environment in the engine's
        pool, or returns None when it cannot (no room, init failed)."""
        self._start_spare = start_spare
        self._keep = keep
        self._ready: dict[str, list[Environment]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def restore(self, spec: FunctionSpec) -> Environment | None:
        """An initialised spare of this SnapStart version, or None; refills either way."""
        ready = self._ready.get(spec.key, [])
        env = None
        while ready and env is None:
            candidate = ready.pop()
            if not candidate.discarded:
                env = candidate
        self.fill_soon(spec)
        if env is not None:
            env.restore()
        return env

    def fill_soon(self, spec: FunctionSpec) -> None:
        task = self._tasks.get(spec.key)
        if (task is None or task.done()) and not self._closed:
            self._tasks[spec.key] = asyncio.create_task(self._fill(spec))

    async def _fill(self, spec: FunctionSpec) -> None:
        await asyncio.sleep(_FILL_DELAY_S)
        ready = self._ready.setdefault(spec.key, [])
        while not self._closed and len(ready) < self._keep:
            env = await self._start_spare(spec)
            if env is None:
                return
            env.init_duration_ms = None  # its init was ahead of time
            ready.append(env)

    def count(self, spec: FunctionSpec) -> int:
        return len(self._ready.get(spec.key, []))

    def forget(self, env: Environment) -> None:
        """The engine destroys `env`: it is no spare any more."""
        ready = self._ready.get(env.spec.key)
        if ready and env in ready:
            ready.remove(env)

    def stale(self, now: float, limit_s: float) -> list[Environment]:
        """Spares unused for longer than `limit_s` (by `last_used`), for the reaper."""
        return [e for ready in self._ready.values() for e in ready if now - e.last_used > limit_s]

    async def close(self) -> None:
        """Stop refilling; the spares themselves go with the engine's pool."""
        self._closed = True
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
