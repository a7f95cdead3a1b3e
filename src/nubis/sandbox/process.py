"""The unisolated fallback: a plain process with a few rlimits.

Environments share the server's uid, filesystem, network and PID namespace: a function
can read Nubis's data and signal other processes. Use it only where namespaces and
cgroups are unavailable; `isolated` is False so the server says so loudly.
"""

from __future__ import annotations

import logging

from nubis.sandbox.base import EnvironmentLimits, Prepared, Reservation
from nubis.sandbox.paths import PLAIN, Layout
from nubis.sandbox.plan import Plan, PortablePlan, check

NOFILE = 1024  # Lambda's file descriptor limit
# RLIMIT_NPROC is not set: it counts every process of the uid, the server's included.
_PLAN: Plan = {
    "rlimits": [
        {"name": "RLIMIT_NOFILE", "soft": NOFILE, "hard": NOFILE},
        {"name": "RLIMIT_CORE", "soft": 0, "hard": 0},
    ]
}
check(_PLAN, PortablePlan)  # what every zygote applies, confine.py or not


class ProcessSandbox:
    @property
    def isolated(self) -> bool:
        return False

    @property
    def layout(self) -> Layout:
        return PLAIN  # the host's tree, as the server sees it

    @property
    def announcement(self) -> tuple[int, str]:
        return logging.WARNING, f"!!! sandbox: {self.describe()}"

    @property
    def read_only_code(self) -> bool:
        return False  # the host's tree: Python writes its own .pyc files

    def describe(self) -> str:
        return (
            "NOT ISOLATED: environments are plain processes of the server's user "
            f"(rlimits only: RLIMIT_NOFILE={NOFILE}, RLIMIT_CORE=0)"
        )

    def reserve(self, ro_binds: tuple[tuple[str, str], ...] = ()) -> Reservation | None:
        return None  # a plain fork has nothing slow to do ahead

    async def prepare(
        self, env_id: str, limits: EnvironmentLimits, reservation: Reservation | None = None
    ) -> Prepared:
        return Prepared(_PLAN.copy())

    async def prepare_restore(self, env_id: str, limits: EnvironmentLimits) -> Prepared:
        return Prepared({})  # a copy of an environment is as confined as the environment

    async def adopt(self, env_id: str, pid: int) -> Prepared:
        return Prepared({})

    def initialized(self, env_id: str) -> None:
        pass

    def pause(self, env_id: str) -> None:
        pass

    def resume(self, env_id: str) -> None:
        pass

    def max_memory_mb(self, env_id: str) -> int | None:
        return None

    def release(self, env_id: str) -> None:
        pass

    def close(self) -> None:
        pass
