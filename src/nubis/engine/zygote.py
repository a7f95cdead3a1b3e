"""The engine's side of a runtime zygote (`nubis/runtimes/python/zygote.py`).

One `Zygote` per runtime owns one zygote process and the SOCK_SEQPACKET socketpair to
it. `fork()` sends a request and returns the new environment's pid and pidfd; replies
come back in request order, so pending forks are a FIFO of futures and no lock is
needed. The zygote also reports every child's exit status; `on_exit(pid, status)` gets
them. If the zygote dies, pending forks fail with ServiceException and the next `fork()`
starts a new zygote (environments already forked keep running: the engine holds their
pidfds).

A zygote dies with the server: it is started with a parent-death signal (SIGKILL), so a
`kill -9` of the server leaves no zygote behind (its environments then end by themselves
when their Runtime API is gone, or, if frozen, by the next server's sweep).
"""

from __future__ import annotations

import asyncio
import collections
import ctypes
import json
import logging
import os
import signal
import socket
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nubis.model.errors import ServiceException

log = logging.getLogger(__name__)

ZYGOTE_PATH = Path(__file__).resolve().parent.parent / "runtimes" / "python" / "zygote.py"
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0
_MAX_MESSAGE = 1 << 16
_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _dies_with(parent: int) -> Callable[[], None]:
    """A preexec_fn: SIGKILL this child when `parent` dies (the kernel sends it when the
    thread that forked it exits: the event loop's, which outlives every zygote)."""

    def preexec() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # it died before the prctl: nobody would signal us
            os._exit(1)

    return preexec


class ForkChannel:
    """The engine's end of a fork server's SOCK_SEQPACKET socket: a runtime's zygote, or
    an initialised SnapStart environment (`nubis/engine/snapstart.py`). Requests are
    answered in order ("forked" with fds, or "error"); "exited" reports and one "ready"
    come whenever they happen."""

    def __init__(
        self, name: str, on_exit: Callable[[int, int], None], on_lost: Callable[[str], None]
    ) -> None:
        self.name = name
        self._on_exit = on_exit
        self._on_lost = on_lost  # called with the name when the fork server is gone
        self._sock: socket.socket | None = None
        self._ready: asyncio.Future[None] | None = None
        self._pending: collections.deque[asyncio.Future[tuple[int, list[int]]]] = (
            collections.deque()
        )

    @property
    def alive(self) -> bool:
        return self._sock is not None and self._ready is not None and self._ready.done()

    def _attach(self, sock: socket.socket) -> asyncio.Future[None]:
        """Start reading `sock` (ours now); the future resolves with its "ready"."""
        sock.setblocking(False)
        self._sock = sock
        ready = asyncio.get_running_loop().create_future()
        self._ready = ready
        asyncio.get_running_loop().add_reader(sock.fileno(), self._on_readable)
        return ready

    async def _request(self, request: dict[str, Any], fds: list[int]) -> tuple[int, list[int]]:
        sock = self._sock
        if sock is None:
            raise ServiceException(f"{self.name} is gone")
        data = json.dumps(request).encode()
        reply: asyncio.Future[tuple[int, list[int]]] = asyncio.get_running_loop().create_future()
        try:
            # A datagram of a few KB on a fresh socket buffer: it does not block.
            socket.send_fds(sock, [data], fds)
        except OSError as e:
            self._disconnect(ServiceException(f"{self.name} is gone"))
            raise ServiceException(f"{self.name} is gone") from e
        self._pending.append(reply)
        return await reply

    def _on_readable(self) -> None:
        sock = self._sock
        if sock is None:
            return
        forked: set[int] = set()  # pids handed out by this batch's "forked" replies
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, 2)
            except BlockingIOError:
                return
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                was_ready = self.alive
                self._disconnect(ServiceException(f"{self.name} exited"))
                self._ended(was_ready)
                return
            self._dispatch(json.loads(data), fds, forked)

    def _ended(self, was_ready: bool) -> None:
        """The fork server closed its end (it exited)."""

    def _dispatch(self, message: dict[str, Any], fds: list[int], forked: set[int]) -> None:
        if "exited" in message:
            pid, status = int(message["exited"]), int(message["status"])
            if pid in forked:
                # A child that ended at once, reported in the same batch as its "forked":
                # its owner learns the pid only when the task awaiting that reply runs,
                # after this callback. call_soon is FIFO and that task's wake-up was
                # scheduled first, so the owner has the pid when the exit reaches it.
                asyncio.get_running_loop().call_soon(self._on_exit, pid, status)
            else:
                self._on_exit(pid, status)
        elif "forked" in message:
            reply = self._pending.popleft()
            if reply.done():  # the caller was cancelled: do not leak the environment
                try:
                    signal.pidfd_send_signal(fds[0], signal.SIGKILL)
                finally:
                    for fd in fds:
                        os.close(fd)
            else:
                reply.set_result((int(message["forked"]), fds))
                forked.add(int(message["forked"]))
        elif "error" in message:
            for fd in fds:
                os.close(fd)
            reply = self._pending.popleft()
            if not reply.done():
                reply.set_exception(ServiceException(str(message["error"])))
        elif "ready" in message and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def _disconnect(self, error: Exception) -> None:
        """Forget the socket (the process is reaped later); fail what is pending."""
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()  # mark retrieved: start() reports it
        self._ready = None
        while self._pending:
            reply = self._pending.popleft()
            if not reply.done():
                reply.set_exception(error)
        # Its children's exit statuses will never be reported now.
        self._on_lost(self.name)


class Zygote(ForkChannel):
    def __init__(
        self,
        runtime: str,
        executable: str,
        on_exit: Callable[[int, int], None],
        on_lost: Callable[[str], None],
    ) -> None:
        super().__init__(f"zygote for {runtime}", on_exit, lambda _: on_lost(runtime))
        self.runtime = runtime
        self.executable = executable
        self._proc: asyncio.subprocess.Process | None = None
        self._start_lock = asyncio.Lock()
        self._closed = False
        self._restart: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        """Start the zygote process if it is not running; returns once it has preloaded."""
        async with self._start_lock:
            if self._closed:
                raise ServiceException("the engine is closed")
            if self._sock is not None:
                if self._ready is not None:
                    await self._ready
                return
            await self._reap_dead_process()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    self.executable,
                    "-I",
                    str(ZYGOTE_PATH),
                    str(theirs.fileno()),
                    pass_fds=[theirs.fileno()],
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.DEVNULL,
                    cwd="/",
                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                    preexec_fn=_dies_with(os.getpid()),
                )
            except BaseException:
                ours.close()
                raise
            finally:
                theirs.close()
            ready = self._attach(ours)
            try:
                await asyncio.wait_for(asyncio.shield(ready), _START_TIMEOUT_S)
            except BaseException:
                self._disconnect(ServiceException(f"zygote for {self.runtime} did not start"))
                raise

    async def fork(
        self,
        env: dict[str, str],
        cwd: str,
        log_fd: int,
        plan: dict[str, Any],
        fds: Sequence[int] = (),
    ) -> tuple[int, int]:
        """Fork a new environment; returns (pid, pidfd). The caller owns the pidfd.

        `log_fd` (the write end of the log pipe) and the sandbox's `fds` (the plan refers
        to them by index: `log_fd` is 0) are duplicated into the zygote by SCM_RIGHTS; the
        caller still owns its copies.
        """
        request = {"env": env, "cwd": cwd, "plan": plan}
        pid, got = await self._request(request, [log_fd, *fds])
        return pid, got[0]

    async def fork_blank(
        self, plan: Mapping[str, Any], fds: Sequence[int]
    ) -> tuple[int, int, socket.socket]:
        """Fork a blank environment that applies the first stage `plan` and waits;
        returns (pid, pidfd, its control socket). The caller owns both; `claim` it."""
        pid, got = await self._request({"blank": True, "plan": plan}, list(fds))
        return pid, got[0], socket.socket(fileno=got[1])

    async def _request(self, request: dict[str, Any], fds: list[int]) -> tuple[int, list[int]]:
        if not self.alive:
            await self.start()
        return await super()._request(request, fds)

    def _ended(self, was_ready: bool) -> None:
        if was_ready and not self._closed:
            # Restart now so that the next cold start does not pay for it. Only after a
            # zygote that worked: one that dies while starting is retried by the next
            # fork(), not in a loop.
            log.warning("zygote for %s exited; restarting it", self.runtime)
            self._restart = asyncio.create_task(self._restart_quietly())

    async def _reap_dead_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()

    async def _restart_quietly(self) -> None:
        try:
            await self.start()
        except Exception as e:
            log.error(
                "zygote for %s did not restart (%s); next cold start retries", self.runtime, e
            )

    async def close(self) -> None:
        """Close the socket (the zygote kills its children and exits) and reap it.

        Idempotent."""
        self._closed = True
        if self._restart is not None:
            await asyncio.gather(self._restart, return_exceptions=True)
            self._restart = None
        if self._sock is not None:
            self._disconnect(ServiceException("the engine is closed"))
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        try:
            await asyncio.wait_for(proc.wait(), _STOP_TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def claim(
    ctl: socket.socket, env: dict[str, str], cwd: str, log_fd: int, plan: dict[str, Any]
) -> None:
    """Turn a blank into an environment: send it the rest of its plan and its variables.

    Closes `ctl`. Raises OSError if the blank is gone. `log_fd` is duplicated into it."""
    try:
        data = json.dumps({"env": env, "cwd": cwd, "plan": plan}).encode()
        # One datagram of a few KB to a process blocked in recv: it does not block.
        socket.send_fds(ctl, [data], [log_fd])
    finally:
        ctl.close()
