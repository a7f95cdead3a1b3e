"""What both fork servers share: the zygote (`zygote.py`) and a SnapStart snapshot
(`snapshot.py`). Standard library only, no Nubis imports; loaded by path by zygote.py (as
`_nubis_fork_server`) before anything is forked.

A fork server reads one request per datagram from its SOCK_SEQPACKET socket to the
engine, forks, and answers in request order; SIGCHLD wakes its select loop through a
pipe, and each child that ends is reaped there and reported (`{"exited": pid, "status":
...}`), so it never keeps zombies. A fresh child `leave()`s the server's socket, pipe and
signal set-up before it becomes an environment.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
from typing import Any

MAX_MESSAGE = 1 << 20
MAX_FDS = 8
PLAN_NAME = "_nubis_plan"  # the plan's contract, loaded by path by zygote.py


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


class ForkServer:
    """One fork server's socket, children and SIGCHLD pipe."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.children: set[int] = set()
        self._wakeup = (-1, -1)

    def start(self) -> None:
        """Freeze what is loaded, watch SIGCHLD, tell the engine it is ready."""
        # Everything imported so far lives as long as the server: out of the cyclic GC's
        # reach, collections in children do not touch (and copy) these pages.
        gc.collect()
        gc.freeze()
        self._wakeup = os.pipe()
        os.set_blocking(self._wakeup[0], False)
        os.set_blocking(self._wakeup[1], False)
        signal.set_wakeup_fd(self._wakeup[1])
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        send(self.sock, {"ready": os.getpid()})

    def wait(self, others: list[int] | None = None) -> list[int]:
        """The readable ones of the socket, the SIGCHLD pipe and `others`."""
        watched = [self.sock.fileno(), self._wakeup[0], *(others or ())]
        readable, _, _ = select.select(watched, [], [])
        return readable

    def signalled(self, readable: list[int]) -> bool:
        return self._wakeup[0] in readable

    def requested(self, readable: list[int]) -> bool:
        return self.sock.fileno() in readable

    def reap(self, readable: list[int]) -> None:
        """After a SIGCHLD: reap every child that ended and report its status."""
        if not self.signalled(readable):
            return
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wakeup[0], 512):
                pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            send(self.sock, {"exited": pid, "status": status})

    def receive(self) -> tuple[dict[str, Any] | None, list[int]]:
        """The next request and its fds; None once the engine is gone (end of file)."""
        data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, MAX_FDS)
        if not data:
            return None, fds
        # The child inherits the buffers: flushed here, nothing is printed twice.
        sys.stdout.flush()
        sys.stderr.flush()
        return json.loads(data), fds

    def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        send(self.sock, message, fds)

    def leave(self) -> None:
        """In a fresh fork: drop what belongs to the server, start a session of its own."""
        # Ordering: undo the server's signal setup first, so that a SIGCHLD of the
        # function's own subprocesses is not swallowed and they can be waited for.
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.sock.close()
        os.close(self._wakeup[0])
        os.close(self._wakeup[1])
        # Own session and process group: the engine kills the whole group at the end.
        os.setsid()

    def kill_children(self) -> None:
        """Kill every child still running (and its process group), and reap them."""
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        # Reap them here: left to the reparenting they could stay zombies where pid 1
        # does not reap.
        for pid in self.children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def log_to(log_fd: int) -> None:
    """The environment's log pipe becomes its stdout and stderr."""
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)


def check_plan(plan: dict[str, Any], confine: Any) -> None:
    """Never run an environment less confined than the engine asked for. confine.py's
    entry points check the whole contract themselves, before any step; without it only
    the portable steps (rlimits, cwd, env, exec, snapshot_fd) can be applied."""
    if confine is None:
        contract = sys.modules[PLAN_NAME]
        contract.check(plan, contract.PortablePlan)


def apply_plan(plan: dict[str, Any], fds: list[int], confine: Any) -> None:
    """Apply the sandbox plan (see nubis/sandbox/base.py) inside the new environment."""
    if confine is not None:
        # The interpreter's installation must stay visible inside a new root.
        interpreter = [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable)]
        confine.apply(plan, fds, interpreter)
    elif plan.get("rlimits"):
        import resource

        for limit in plan["rlimits"]:
            resource.setrlimit(getattr(resource, limit["name"]), (limit["soft"], limit["hard"]))
