"""Which environments exist, and which of them are idle, per spec key.

Plain bookkeeping, no I/O: the engine decides, the pool remembers. Environments are
pooled per (function name, spec key), so two functions never share one even if their
keys collide. Idle environments of a pool are a stack (the most recently used is reused
first: its caches are warmest, and the others age out and get reaped).
"""

from __future__ import annotations

from collections.abc import Iterator

from nubis.engine.environment import Environment
from nubis.model.function import FunctionSpec


class Pool:
    def __init__(self) -> None:
        self._all: dict[str, Environment] = {}  # env_id -> environment (starting, busy, idle)
        self._idle: dict[tuple[str, str], list[Environment]] = {}  # pool -> idle ones

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[Environment]:
        return iter(list(self._all.values()))

    def count(self, function_name: str | None = None) -> int:
        if function_name is None:
            return len(self._all)
        return sum(1 for env in self._all.values() if env.spec.function_name == function_name)

    def add(self, env: Environment) -> None:
        self._all[env.env_id] = env

    def take_idle(self, spec: FunctionSpec) -> Environment | None:
        key = (spec.function_name, spec.key)
        stack = self._idle.get(key)
        if not stack:
            return None
        env = stack.pop()
        if not stack:
            del self._idle[key]
        return env

    def put_idle(self, env: Environment) -> None:
        self._idle.setdefault(_pool_of(env), []).append(env)

    def is_idle(self, env: Environment) -> bool:
        return env in self._idle.get(_pool_of(env), ())

    def remove(self, env: Environment) -> bool:
        """Forget the environment; False if it was not here. Idempotent."""
        if self._all.pop(env.env_id, None) is None:
            return False
        stack = self._idle.get(_pool_of(env))
        if stack and env in stack:
            stack.remove(env)
            if not stack:
                del self._idle[_pool_of(env)]
        return True

    def idle(self) -> list[Environment]:
        return [env for stack in self._idle.values() for env in stack]

    def least_recently_used_idle(self) -> Environment | None:
        return min(self.idle(), key=lambda env: env.last_used, default=None)


def _pool_of(env: Environment) -> tuple[str, str]:
    return (env.spec.function_name, env.spec.key)
