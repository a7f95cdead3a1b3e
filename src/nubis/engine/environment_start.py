"""The start of an execution environment: the second layer of `Environment`.

`launch()` prepares the sandbox, starts the Runtime API listener and forks the runtime
(from its zygote, or claims a blank forked ahead); `launch_restored()` forks a SnapStart
copy from the version's snapshot and lets the sandbox adopt it. The steps that need
nothing of the environment are in nubis/engine/starting.py; here is what they change in
it, and the checks between them: `destroy()` may run during any await, and then the
start stops there and leaves nothing behind that `destroy()` could not release.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import TYPE_CHECKING

from nubis.engine import runtime_api_constants as C
from nubis.engine import starting
from nubis.engine.blanks import Blank
from nubis.engine.environment_core import EnvironmentCore
from nubis.engine.options import LaunchOptions
from nubis.engine.process import EnvProcess, pid_of
from nubis.engine.state import EnvState
from nubis.engine.zygote import Zygote
from nubis.model.errors import ServiceException
from nubis.sandbox.base import Prepared, Sandbox

if TYPE_CHECKING:
    from nubis.engine.snapstart import Snapshot


class EnvironmentStart(EnvironmentCore):
    """The start layer of `Environment`; not used alone."""

    async def launch(
        self,
        zygote: Zygote,
        sandbox: Sandbox,
        env: dict[str, str],
        options: LaunchOptions,
        blank: Blank | None = None,
        snapshot: socket.socket | None = None,
    ) -> None:
        """Fork the environment; `env` lacks only the per-environment variables.

        `blank` (owned from here on) is claimed instead of forking; with `snapshot` (a
        socket, duplicated into the environment) it becomes a SnapStart snapshot."""
        self.initialization_type = options.initialization_type
        try:
            await self._launch(zygote, sandbox, env, options, blank, snapshot)
        except BaseException:
            if blank is not None:
                blank.discard(sandbox)  # a no-op once it was claimed
            raise

    async def _launch(
        self,
        zygote: Zygote,
        sandbox: Sandbox,
        env: dict[str, str],
        options: LaunchOptions,
        blank: Blank | None,
        snapshot: socket.socket | None,
    ) -> None:
        began = time.perf_counter()
        if options.capture_tail:  # a cold invocation's tail includes its init output
            self._log.keep_tail()
        limits = starting.limits(self.spec, options.ro_binds, snapshot is not None)
        reservation = blank.reservation if blank is not None else None
        prepared = await starting.prepare(sandbox, self.env_id, limits, reservation)
        # From here on release() is owed, also if the rest fails: destroy() does it.
        self._sandbox = sandbox
        if self._state.stopped:  # destroy() ran during the await: it could not release
            if prepared.api_socket is not None:
                prepared.api_socket.close()
            self._release_sandbox()
            raise starting.stopped()
        variables = await self._inside_variables(env, prepared)
        plan, fds = starting.fork_plan(prepared, options, snapshot)
        write_fd = self._log.open()
        try:
            code_dir = str(self.spec.code_dir)
            forked = await starting.fork(zygote, blank, variables, code_dir, write_fd, plan, fds)
        finally:
            # The zygote has its own copy now (SCM_RIGHTS); ours must go so that the
            # pipe reports end of file when the environment exits.
            os.close(write_fd)
        if self._state.stopped:  # stopped during the fork: nobody else will kill this one
            starting.kill(forked[1])
            raise starting.stopped()
        self._started(EnvProcess(*forked))
        self._api.ready.add_done_callback(
            lambda _: setattr(self, "init_duration_ms", (time.perf_counter() - began) * 1000)
        )

    async def _inside_variables(self, env: dict[str, str], prepared: Prepared) -> dict[str, str]:
        """`env` with the sandbox's (paths and addresses as seen from inside), the Runtime
        API's address (its listener started now) and the log stream's name."""
        variables = dict(env)
        variables.update(prepared.env)
        variables[C.ENV_RUNTIME_API] = await self._api.start(prepared.api_socket)
        variables[C.ENV_LOG_STREAM_NAME] = self.stream
        if self._state.stopped:  # destroy() may have closed the API before it was listening
            await self._api.close()
            raise starting.stopped()
        return variables

    def _started(self, process: EnvProcess) -> None:
        """The process exists: initialising from now on, its exit watched."""
        self.process = process
        self._move(EnvState.INITIALISING)
        process.exited.add_done_callback(self._on_exit)

    async def launch_restored(self, snapshot: Snapshot, sandbox: Sandbox) -> None:
        """SnapStart: fork this environment from the version's snapshot (see
        nubis/engine/snapstart.py); `initialize()` then waits for its after-restore hooks.
        Its first REPORT line has a Restore Duration, counted from here."""
        self.initialization_type = C.INITIALIZATION_SNAP_START
        self._restore_started = time.perf_counter()
        self.init_duration_ms = None
        limits = starting.limits(self.spec)
        prepared = await starting.prepare(sandbox, self.env_id, limits, restore=True)
        self._sandbox = sandbox  # release() is owed from here on: destroy() does it
        if self._state.stopped:
            self._release_sandbox()
            raise starting.stopped()
        write_fd = self._log.open()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with ours:
            try:
                inner_pid, pidfd = await snapshot.fork(
                    prepared.plan, [write_fd, theirs.fileno(), *prepared.fds]
                )
            finally:
                os.close(write_fd)
                theirs.close()
            try:
                await self._settle_copy(snapshot, sandbox, ours, inner_pid, pidfd)
            except BaseException:
                # Killed while the snapshot is thawed: a copy still in the snapshot's
                # cgroup could not die once that is frozen again.
                if self.process is not None:
                    self.process.kill()
                raise
            finally:
                snapshot.left()  # in its own cgroup now, or dead: the snapshot may freeze

    async def _settle_copy(
        self, snapshot: Snapshot, sandbox: Sandbox, ours: socket.socket, inner: int, pidfd: int
    ) -> None:
        try:
            pid = pid_of(pidfd)
        except OSError as e:
            os.close(pidfd)
            raise ServiceException("The restored environment did not start.") from e
        process = EnvProcess(pid, pidfd)
        snapshot.track(inner, process)  # its exit is reported by the snapshot, its parent
        self._started(process)
        if self._state.stopped:
            process.kill()
            raise starting.stopped()
        # The host's part (cgroup, network) while the copy settles (/proc, /tmp).
        adopted = await starting.adopt_copy(sandbox, self.env_id, ours, pid, process.exited)
        variables = await self._inside_variables({}, adopted)
        # One small datagram to a process blocked in recv: it does not block.
        ours.send(json.dumps({"env": variables, "plan": adopted.plan}).encode())
