"""Blank environments: forked and half-confined ahead of time, claimed by cold starts.

Entering a freshly made cgroup costs the kernel an RCU grace period (≈ 10 ms here, on
cgroup v1 and v2 alike), more than everything else in a cold start. So `Blanks` keeps a
few processes per zygote that were forked with the first stage of a sandbox plan
(`Sandbox.reserve()`: cgroup, network namespace, new namespaces) and now wait on a
control socket; a cold start takes one and sends it the rest (`zygote.claim`). Where the
sandbox has nothing to do ahead (`reserve()` is None), there are no blanks and cold starts
fork as before.

Ownership: a blank in the pool is owned here (its pidfd, control socket and
reservation); `take` hands all of it to the caller. Refills run as tasks on the event
loop, one at a time per zygote. `close()` kills what is left and releases its
reservations; idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import socket
from dataclasses import dataclass

from nubis.engine.zygote import Zygote
from nubis.sandbox.base import Reservation, Sandbox

log = logging.getLogger(__name__)
REFILL_DELAY_S = 0.05


@dataclass
class Blank:
    pid: int
    pidfd: int
    ctl: socket.socket
    reservation: Reservation
    claimed: bool = False  # its pidfd belongs to the environment from then on

    def alive(self) -> bool:
        readable, _, _ = select.select([self.pidfd], [], [], 0)
        return not readable  # a pidfd becomes readable when its process exits

    def discard(self, sandbox: Sandbox) -> None:
        """Kill it, close what it holds, release its reservation. Not after a claim."""
        if self.claimed:
            return
        self.claimed = True
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        os.close(self.pidfd)
        self.ctl.close()
        sandbox.release(self.reservation.token)


class Blanks:
    def __init__(
        self, sandbox: Sandbox, ro_binds: tuple[tuple[str, str], ...] = (), keep: int = 2
    ) -> None:
        self._sandbox = sandbox
        self._ro_binds = ro_binds  # mounted ahead too (what most environments need)
        self._keep = keep
        self._ready: dict[str, list[Blank]] = {}  # zygote runtime -> blanks
        self._refills: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def take(self, zygote: Zygote) -> Blank | None:
        """A live blank of this zygote, or None; starts a refill either way."""
        ready = self._ready.get(zygote.runtime, [])
        blank = None
        while ready and blank is None:
            candidate = ready.pop()
            if candidate.alive():
                blank = candidate
            else:
                candidate.discard(self._sandbox)
        self.refill(zygote)
        return blank

    def refill(self, zygote: Zygote, delay: float = REFILL_DELAY_S) -> None:
        if self._closed or self._keep <= 0:
            return
        task = self._refills.get(zygote.runtime)
        if task is None or task.done():
            self._refills[zygote.runtime] = asyncio.create_task(self._refill(zygote, delay))

    async def _refill(self, zygote: Zygote, delay: float) -> None:
        # Not while the cold start that took a blank runs: entering the new blank's cgroup
        # makes the kernel wait for an RCU grace period with the cgroup threadgroup lock
        # held for writing, and forks and exits wait behind it.
        await asyncio.sleep(delay)
        ready = self._ready.setdefault(zygote.runtime, [])
        while not self._closed and len(ready) < self._keep:
            reservation = self._sandbox.reserve(self._ro_binds)
            if reservation is None:
                return  # nothing to do ahead (or nothing ready yet): forks as usual
            try:
                pid, pidfd, ctl = await zygote.fork_blank(reservation.plan, reservation.fds)
            except Exception as e:
                self._sandbox.release(reservation.token)
                log.debug("no blank environment for %s: %s", zygote.runtime, e)
                return
            blank = Blank(pid, pidfd, ctl, reservation)
            if self._closed:
                blank.discard(self._sandbox)
                return
            ready.append(blank)

    async def close(self) -> None:
        self._closed = True
        for task in self._refills.values():
            task.cancel()
        await asyncio.gather(*self._refills.values(), return_exceptions=True)
        for ready in self._ready.values():
            while ready:
                ready.pop().discard(self._sandbox)
