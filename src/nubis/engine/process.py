"""One environment's process, watched and killed through a pidfd.

A pidfd refers to exactly one process, so killing through it cannot hit a recycled pid.
It becomes readable when the process exits; the exit *status* is known only to the
parent (the zygote), which reports it; `set_status` receives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

_STATUS_WAIT_S = 5.0  # how long an exit waits for the zygote's status report (a loaded
# host can take a while to run the zygote; only error paths and teardown ever wait)
_UNKNOWN = -1


class EnvProcess:
    def __init__(self, pid: int, pidfd: int) -> None:
        loop = asyncio.get_running_loop()
        self.pid = pid
        self._pidfd: int | None = pidfd
        # /proc/<pid>/status kept open: re-reading it with pread costs a fraction of an
        # open + read + close on every invocation's REPORT line.
        self._status_fd: int | None = None
        with contextlib.suppress(OSError):
            self._status_fd = os.open(f"/proc/{pid}/status", os.O_RDONLY | os.O_CLOEXEC)
        self.exited: asyncio.Future[None] = loop.create_future()
        self._status: asyncio.Future[int] = loop.create_future()
        loop.add_reader(pidfd, self._on_exit)

    def _on_exit(self) -> None:
        self._unwatch()
        if not self.exited.done():
            self.exited.set_result(None)

    def _unwatch(self) -> None:
        if self._pidfd is not None:
            asyncio.get_running_loop().remove_reader(self._pidfd)

    def set_status(self, status: int) -> None:
        """The zygote reported the exit status: the process is reaped, its pid is free."""
        if not self._status.done():
            self._status.set_result(status)

    def orphan(self) -> None:
        """The zygote died: no status will come (init reaps the process)."""
        self.set_status(_UNKNOWN)

    async def exit_description(self) -> str:
        """Lambda's words for how the process ended: `exit status 1`, `signal: killed`."""
        try:
            status = await asyncio.wait_for(asyncio.shield(self._status), _STATUS_WAIT_S)
        except TimeoutError:
            status = _UNKNOWN
        return "exit status unknown" if status == _UNKNOWN else describe_status(status)

    def kill(self) -> None:
        """SIGKILL the process and its process group (its own subprocesses). Idempotent."""
        if self._pidfd is None or self.exited.done():
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        # The environment runs in its own session whose group id is its pid; while the
        # leader has not been seen to exit the group id cannot have been reused.
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)

    async def stop(self) -> None:
        """Kill, wait until the process is gone and reaped, close the pidfd. Idempotent."""
        self.kill()
        if self._pidfd is not None:
            await self.exited
            os.close(self._pidfd)
            self._pidfd = None
        self._close_status()
        # Reaped means the zygote reported it; after that no trace of it is left.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._status), _STATUS_WAIT_S)

    def read_max_memory_mb(self) -> int:
        """VmHWM (peak resident set) of the process, in MB; 0 if it is gone."""
        if self._status_fd is None:
            return 0
        try:
            data = os.pread(self._status_fd, 4096, 0)
        except OSError:  # the process is gone
            return 0
        at = data.find(b"VmHWM:")
        if at < 0:
            return 0
        return (int(data[at + 6 : data.index(b"kB", at)]) + 1023) // 1024

    def _close_status(self) -> None:
        if self._status_fd is not None:
            os.close(self._status_fd)
            self._status_fd = None


def pid_of(pidfd: int) -> int:
    """The pid (in this process's PID namespace) of the process a pidfd refers to, also
    when the pidfd was opened in another namespace (a SnapStart snapshot's)."""
    with open(f"/proc/self/fdinfo/{pidfd}") as f:
        for line in f:
            if line.startswith("Pid:"):
                pid = int(line.split()[1])
                if pid > 0:
                    return pid
                break
    raise ProcessLookupError("the process of the pidfd has exited")


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status))
        name = _SIGNAL_WORDS.get(sig, sig.name.lower().removeprefix("sig"))
        return f"signal: {name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


# Go's words for signals, as Lambda's runtime reports them (`signal: killed`).
_SIGNAL_WORDS: dict[signal.Signals, str] = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGINT: "interrupt",
    signal.SIGBUS: "bus error",
}
