"""The steps of an environment's start that need nothing of the environment itself.

`Environment.launch` and `Environment.launch_restored` (nubis/engine/environment.py) run
them in order, check between them whether the environment was stopped meanwhile, and own
what they return: the sandbox's `release()` is owed once `prepare*` returned, a pidfd
from `fork` is the environment's. Each step leaves nothing behind when it fails, and
maps a sandbox's OSError to the ServiceException the caller of an invocation sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from typing import Any

from nubis.engine.blanks import Blank
from nubis.engine.options import LaunchOptions
from nubis.engine.zygote import Zygote, claim
from nubis.model.errors import ServiceException
from nubis.model.function import FunctionSpec
from nubis.sandbox.base import EnvironmentLimits, Prepared, Reservation, Sandbox

INIT_TIMEOUT_S = 10.0  # Lambda's limit on the init phase of an on-demand environment


def stopped() -> ServiceException:
    """What a start that `destroy()` overtook raises."""
    return ServiceException("The environment was stopped while it started.")


def limits(
    spec: FunctionSpec, ro_binds: tuple[tuple[str, str], ...] = (), snapshot: bool = False
) -> EnvironmentLimits:
    return EnvironmentLimits(
        spec.memory_mb, spec.ephemeral_mb, spec.code_dir, spec.opt_dir, ro_binds, snapshot
    )


async def prepare(
    sandbox: Sandbox,
    env_id: str,
    env_limits: EnvironmentLimits,
    reservation: Reservation | None = None,
    restore: bool = False,
) -> Prepared:
    """The sandbox's part before the fork (`prepare_restore` for a SnapStart copy)."""
    try:
        if restore:
            return await sandbox.prepare_restore(env_id, env_limits)
        return await sandbox.prepare(env_id, env_limits, reservation)
    except OSError as e:
        sandbox.release(env_id)
        raise ServiceException(f"The sandbox could not prepare an environment: {e}") from e


def fork_plan(
    prepared: Prepared, options: LaunchOptions, snapshot: socket.socket | None
) -> tuple[dict[str, Any], list[int]]:
    """The sandbox's plan and fds with the zygote's own steps: the runtime to exec, the
    socket a SnapStart snapshot serves restores on."""
    plan: dict[str, Any] = dict(prepared.plan)
    if options.exec_argv:
        plan["exec"] = list(options.exec_argv)
    fds = list(prepared.fds)
    if snapshot is not None:
        plan["snapshot_fd"] = 1 + len(fds)  # after the log pipe and the sandbox's
        fds.append(snapshot.fileno())
    return plan, fds


async def fork(
    zygote: Zygote,
    blank: Blank | None,
    env: dict[str, str],
    code_dir: str,
    log_fd: int,
    plan: dict[str, Any],
    fds: list[int],
) -> tuple[int, int]:
    """(pid, pidfd) of the new environment: `blank` claimed, else a fork of `zygote`.
    `log_fd` stays the caller's (the zygote or the blank has its own copy)."""
    if blank is not None:
        claim(blank.ctl, env, code_dir, log_fd, plan)
        blank.claimed = True
        return blank.pid, blank.pidfd
    return await zygote.fork(env, code_dir, log_fd, plan, fds)


def kill(pidfd: int) -> None:
    """Kill a process nobody else will (forked for an environment stopped meanwhile)."""
    with contextlib.suppress(ProcessLookupError):
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    os.close(pidfd)


async def adopt_copy(
    sandbox: Sandbox, env_id: str, ours: socket.socket, pid: int, exited: asyncio.Future[Any]
) -> Prepared:
    """SnapStart: wait until the copy `pid` has settled (it says so on `ours`) while the
    sandbox adopts it (cgroup, network: its namespaces exist from the fork on)."""
    loop = asyncio.get_running_loop()
    ours.setblocking(False)
    settled: asyncio.Future[Any] = asyncio.ensure_future(loop.sock_recv(ours, 4096))
    adopting = asyncio.ensure_future(sandbox.adopt(env_id, pid))
    waits: set[asyncio.Future[Any]] = {settled, exited}
    try:
        await asyncio.wait(waits, timeout=INIT_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        if not settled.done() or not settled.result():
            raise ServiceException("The restored environment did not start.")
        return await adopting
    except OSError as e:
        raise ServiceException(f"The sandbox could not adopt an environment: {e}") from e
    finally:
        settled.cancel()
        if not adopting.done():
            # release() comes later (destroy); the sandbox copes with adopt finishing
            # after it, but the outcome must still be collected.
            adopting.add_done_callback(lambda f: f.cancelled() or f.exception())
