"""The sandbox boundary: how an execution environment is confined.

The engine asks the sandbox for a *plan* before it forks a new environment, hands the
plan to the zygote, and the forked child applies it before any function code runs
(`_apply_plan` in `nubis/runtimes/python/zygote.py`). The plan is plain JSON so that the
zygote, which cannot import Nubis, can apply it; its keys:

    "rlimits": [[name, soft, hard], ...]   `resource.RLIMIT_*` names, applied with setrlimit

Later sandboxes add keys (namespaces to unshare/join, a cgroup to enter, mounts, a uid
to drop to); a zygote that sees a key it does not know must refuse to start the
environment rather than run it less isolated than the plan says.

Contract:
- `prepare(env_id, limits)` is called once per environment, before the fork, on the event
  loop; it may take resources from pools prepared ahead of time but should not block.
- `release(env_id)` is called exactly once for every prepared environment after its
  process is gone (also when the fork failed); idempotent; never raises.
- `describe()` says in one line which protections are active; `isolated` is False for
  the fallback, and the server logs a loud warning at start when it is.
- `close()` releases everything the sandbox created; idempotent.
The sandbox knows nothing about functions: it sees an environment id and its limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class EnvironmentLimits:
    memory_mb: int
    ephemeral_mb: int
    code_dir: Path


Plan = dict[str, Any]


class Sandbox(Protocol):
    @property
    def isolated(self) -> bool: ...

    def describe(self) -> str: ...

    async def prepare(self, env_id: str, limits: EnvironmentLimits) -> Plan: ...

    def release(self, env_id: str) -> None: ...

    def close(self) -> None: ...
