"""One execution environment: a forked runtime process, its Runtime API and its log stream.

Lifetime: `launch()` (sandbox plan, listener, log pipe, fork) → `initialize()` (until
the runtime's first GET /next or its init error) → `invoke()` any number of times, one
at a time → `destroy()` exactly once (idempotent). The pool decides when; this class
only makes each step leave nothing behind when it fails. Each step moves `state` (see
nubis/engine/state.py); nothing else assigns it.

Records: each invocation's end is one `InvocationReport` (the REPORT line is rendered
from it), an environment ready to serve is an `EnvironmentStarted` and a destroyed one
an `EnvironmentStopped`, all to the engine's `Recorder` (non-blocking).

Logs: the runtime's stdout and stderr are one pipe, read into the environment's stream
(`LogStream`, nubis/engine/stream.py: limits, pauses, the tail). When a result arrives
the pipe is drained synchronously *before* END/REPORT are written: the bootstrap flushes
before it posts, so everything the function printed is in the pipe by then and lands
before END.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nubis.engine import logs
from nubis.engine import runtime_api_constants as C
from nubis.engine.blanks import Blank
from nubis.engine.options import LaunchOptions
from nubis.engine.process import EnvProcess, pid_of
from nubis.engine.runtime_api import Invocation, Reply, RuntimeApiServer
from nubis.engine.state import EnvState, IllegalTransition
from nubis.engine.stream import LogStream
from nubis.engine.zygote import Zygote, claim
from nubis.model.clock import Clock
from nubis.model.errors import ServiceException
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult
from nubis.model.settings import LogSettings
from nubis.observe.base import LogSink, Recorder
from nubis.observe.recorder import NullRecorder
from nubis.observe.records import EnvironmentStarted, EnvironmentStopped, InvocationReport
from nubis.sandbox.base import EnvironmentLimits, Sandbox

if TYPE_CHECKING:
    from nubis.engine.snapstart import Snapshot

INIT_TIMEOUT_S = 10.0  # Lambda's limit on the init phase of an on-demand environment
# An idle environment is frozen (cgroup freezer) this long after its invocation ended:
# not at once, so that back-to-back invocations do not pay a freeze and thaw each.
PAUSE_AFTER_S = 0.05

# Outcomes that are not a runtime's reply; compared by identity.
_TIMED_OUT = Reply(b"", C.ERR_TIMEOUT)
_EXITED = Reply(b"", C.ERR_EXIT)


class Environment:
    def __init__(
        self,
        spec: FunctionSpec,
        sink: LogSink,
        clock: Clock,
        on_dead: Callable[[Environment], None],
        log_settings: LogSettings | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.env_id = uuid.uuid4().hex
        self.spec = spec
        self.stream = logs.stream_name(clock.time(), spec.version, self.env_id)
        self.last_used = clock.monotonic()
        self._born = self.last_used
        self._state = EnvState.STARTING
        self.initialization_type = C.INITIALIZATION_ON_DEMAND
        self.retiring = False  # stop it when its current invocation ends
        self.discarded = False  # it must not serve again (timed out, crashed, init failed)
        self.process: EnvProcess | None = None
        self.init_duration_ms: float | None = None  # reported once, on the first invocation
        self._restore_started: float | None = None  # SnapStart: restored from a snapshot
        self.spare = False  # SnapStart: restored ahead of time, never invoked yet
        self._recorder: Recorder = recorder or NullRecorder()
        self._error_type: str | None = None  # of the invocation running now
        self._clock = clock
        self._on_dead = on_dead
        self._api = RuntimeApiServer()
        self._log = LogStream(sink, spec.log_group, self.stream, log_settings or LogSettings())
        self._sandbox: Sandbox | None = None
        self._reply: asyncio.Future[Reply] | None = None
        self._max_memory_mb = 0  # read before a kill, when /proc no longer has it after
        self._pause_timer: asyncio.TimerHandle | None = None

    # --- state (the only place it changes)

    @property
    def state(self) -> EnvState:
        return self._state

    @property
    def busy(self) -> bool:
        """Held by its starter or an invocation: see `EnvState.held`."""
        return self._state.held

    def _move(self, new: EnvState) -> bool:
        """One transition; False (and no change) once stopping: see nubis/engine/state.py."""
        old = self._state
        if old.stopped and new is not EnvState.DEAD:
            return False
        if old not in new.sources:
            raise IllegalTransition(self.env_id, old, new)
        self._state = new
        return True

    def initialised(self) -> None:
        """Init finished where `initialize()` does not see it (a SnapStart snapshot says
        so on its fork socket): ready, no longer held by its starter."""
        if self._move(EnvState.IDLE):
            self._started_record()

    def _started_record(self) -> None:
        self._recorder.record(
            EnvironmentStarted(
                self._clock.time(),
                self.env_id,
                self.spec.function_name,
                self.spec.version,
                self.initialization_type,
                self.init_duration_ms,
            )
        )

    # --- start

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
        spec = self.spec
        started = time.perf_counter()
        if options.capture_tail:  # a cold invocation's tail includes its init output
            self._log.keep_tail()
        limits = EnvironmentLimits(
            spec.memory_mb,
            spec.ephemeral_mb,
            spec.code_dir,
            spec.opt_dir,
            options.ro_binds,
            snapshot is not None,
        )
        try:
            prepared = await sandbox.prepare(
                self.env_id, limits, blank.reservation if blank is not None else None
            )
        except OSError as e:
            sandbox.release(self.env_id)
            raise ServiceException(f"The sandbox could not prepare an environment: {e}") from e
        # From here on release() is owed, also if the rest fails: destroy() does it.
        self._sandbox = sandbox
        if self._state.stopped:  # destroy() ran during the await: it could not release
            if prepared.api_socket is not None:
                prepared.api_socket.close()
            self._release_sandbox()
            raise ServiceException("The environment was stopped while it started.")
        env = dict(env)
        env.update(prepared.env)  # paths and addresses as seen from inside
        env[C.ENV_RUNTIME_API] = await self._api.start(prepared.api_socket)
        env[C.ENV_LOG_STREAM_NAME] = self.stream
        if self._state.stopped:  # destroy() may have closed the API before it was listening
            await self._api.close()
            raise ServiceException("The environment was stopped while it started.")
        write_fd = self._log.open()
        try:
            plan = dict(prepared.plan)
            if options.exec_argv:
                plan["exec"] = list(options.exec_argv)
            fds = list(prepared.fds)
            if snapshot is not None:
                plan["snapshot_fd"] = 1 + len(fds)  # after the log pipe and the sandbox's
                fds.append(snapshot.fileno())
            if blank is not None:
                claim(blank.ctl, env, str(spec.code_dir), write_fd, plan)
                blank.claimed = True
                pid, pidfd = blank.pid, blank.pidfd
            else:
                pid, pidfd = await zygote.fork(env, str(spec.code_dir), write_fd, plan, fds)
        finally:
            # The zygote has its own copy now (SCM_RIGHTS); ours must go so that the
            # pipe reports end of file when the environment exits.
            os.close(write_fd)
        if self._state.stopped:  # stopped during the fork: nobody else will kill this one
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.close(pidfd)
            raise ServiceException("The environment was stopped while it started.")
        self.process = EnvProcess(pid, pidfd)
        self._move(EnvState.INITIALISING)
        self.process.exited.add_done_callback(self._on_exit)
        self._api.ready.add_done_callback(
            lambda _: setattr(self, "init_duration_ms", (time.perf_counter() - started) * 1000)
        )

    async def launch_restored(self, snapshot: Snapshot, sandbox: Sandbox) -> None:
        """SnapStart: fork this environment from the version's snapshot (see
        nubis/engine/snapstart.py); `initialize()` then waits for its after-restore hooks.
        Its first REPORT line has a Restore Duration, counted from here."""
        spec = self.spec
        self.initialization_type = C.INITIALIZATION_SNAP_START
        self._restore_started = time.perf_counter()
        self.init_duration_ms = None
        limits = EnvironmentLimits(spec.memory_mb, spec.ephemeral_mb, spec.code_dir, spec.opt_dir)
        try:
            prepared = await sandbox.prepare_restore(self.env_id, limits)
        except OSError as e:
            sandbox.release(self.env_id)
            raise ServiceException(f"The sandbox could not prepare an environment: {e}") from e
        self._sandbox = sandbox  # release() is owed from here on: destroy() does it
        if self._state.stopped:
            self._release_sandbox()
            raise ServiceException("The environment was stopped while it started.")
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
        self.process = EnvProcess(pid, pidfd)
        self._move(EnvState.INITIALISING)
        snapshot.track(inner, self.process)
        self.process.exited.add_done_callback(self._on_exit)
        if self._state.stopped:
            self.process.kill()
            raise ServiceException("The environment was stopped while it started.")
        loop = asyncio.get_running_loop()
        ours.setblocking(False)
        # The host's part (cgroup, network) while the copy settles (/proc, /tmp): its
        # namespaces exist from the fork on.
        settled: asyncio.Future[Any] = asyncio.ensure_future(loop.sock_recv(ours, 4096))
        adopting = asyncio.ensure_future(sandbox.adopt(self.env_id, pid))
        waits: set[asyncio.Future[Any]] = {settled, self.process.exited}
        try:
            await asyncio.wait(waits, timeout=INIT_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
            if not settled.done() or not settled.result():
                raise ServiceException("The restored environment did not start.")
            adopted = await adopting
        except OSError as e:
            raise ServiceException(f"The sandbox could not adopt an environment: {e}") from e
        finally:
            settled.cancel()
            if not adopting.done():
                # release() comes later (destroy); the sandbox copes with adopt finishing
                # after it, but the outcome must still be collected.
                adopting.add_done_callback(lambda f: f.cancelled() or f.exception())
        variables = dict(adopted.env)
        variables[C.ENV_RUNTIME_API] = await self._api.start(adopted.api_socket)
        variables[C.ENV_LOG_STREAM_NAME] = self.stream
        if self._state.stopped:
            raise ServiceException("The environment was stopped while it started.")
        # One small datagram to a process blocked in recv: it does not block.
        ours.send(json.dumps({"env": variables, "plan": adopted.plan}).encode())

    @property
    def init_done(self) -> asyncio.Future[Any]:
        """Resolves at the runtime's first GET /next (None) or its init error."""
        return self._api.ready

    async def initialize(self, request_id: str) -> InvokeResult | None:
        """Wait for init to finish; None when the runtime is ready, else the failed result."""
        assert self.process is not None
        ready = self._api.ready
        waits: set[asyncio.Future[Any]] = {ready, self.process.exited}
        await asyncio.wait(
            waits,
            timeout=INIT_TIMEOUT_S,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready.done():
            init_error = ready.result()
            if init_error is None:
                if self._sandbox is not None:
                    self._sandbox.initialized(self.env_id)  # init's CPU boost ends here
                self.initialised()
                self._schedule_freeze()  # e.g. a provisioned one, idle until its first use
                return None
            self.discarded = True
            self._error_type = init_error.error_type
            self._log.drain()
            return InvokeResult(init_error.payload, C.FUNCTION_ERROR_UNHANDLED)
        self.discarded = True
        if self.process.exited.done():
            how = await self.process.exit_description()
            self._log.drain()
            message = logs.exit_message(request_id, how)
            self._log.emit(f"{message}\n{C.ERR_EXIT}\n")
            self._error_type = C.ERR_EXIT
            return InvokeResult(_error_payload(C.ERR_EXIT, message), C.FUNCTION_ERROR_UNHANDLED)
        self.process.kill()
        self._error_type = C.ERR_TIMEOUT
        return InvokeResult(
            _error_payload(C.ERR_TIMEOUT, f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds"),
            C.FUNCTION_ERROR_UNHANDLED,
        )

    # --- invoke

    async def invoke(
        self, request: InvokeRequest, failed_init: InvokeResult | None = None
    ) -> InvokeResult:
        """Run one invocation (or report `failed_init` as its result) with START/END/REPORT."""
        if request.tail_logs:
            self._log.keep_tail()
        if self.spare:  # restored ahead: what this invocation waits for starts now
            self.spare = False
            self._restore_started = time.perf_counter()
        self._thaw()
        # BUSY until it returns, however it returns (released in `finally`).
        self._move(EnvState.BUSY)
        try:
            return await self._invoke(request, failed_init)
        finally:
            self._move(EnvState.IDLE)

    async def _invoke(
        self, request: InvokeRequest, failed_init: InvokeResult | None
    ) -> InvokeResult:
        spec = self.spec
        rid = request.request_id
        restore_ms = None
        if self._restore_started is not None:
            restore_ms = (time.perf_counter() - self._restore_started) * 1000
            self._restore_started = None
        self._log.emit(logs.start_line(rid, spec.version))
        started = time.perf_counter()
        if failed_init is not None:
            result = failed_init  # its error type was kept by initialize()
        else:
            self._error_type = None
            result = await self._run(request)
        duration_ms = (time.perf_counter() - started) * 1000
        self._log.emit_dropped()
        self._log.emit(logs.end_line(rid))
        report = InvocationReport(
            self._clock.time(),
            rid,
            spec.function_name,
            spec.version,
            duration_ms,
            spec.memory_mb,
            self._max_memory_mb or self._peak_memory_mb(),
            self.init_duration_ms,
            restore_ms,
            self._error_type,
        )
        # The REPORT line is the record, rendered; written here, in the stream's order
        # (after END, before the next START), and into this invocation's tail.
        self._log.emit(logs.report_line(report))
        self._recorder.record(report)
        self.init_duration_ms = None
        tail = self._log.take_tail(request.tail_logs)
        self._schedule_freeze()
        return InvokeResult(result.payload, result.function_error, tail, spec.version)

    # --- freezing while idle

    def _schedule_freeze(self) -> None:
        if not self.discarded and self._sandbox is not None and self._pause_timer is None:
            self._pause_timer = asyncio.get_running_loop().call_later(PAUSE_AFTER_S, self._freeze)

    def _freeze(self) -> None:
        self._pause_timer = None
        if self._sandbox is not None and self._move(EnvState.FROZEN):
            self._sandbox.pause(self.env_id)

    def thaw(self) -> None:
        """Thawed until `freeze_soon` (a SnapStart snapshot while it forks)."""
        self._thaw()

    def freeze_soon(self) -> None:
        self._schedule_freeze()

    def _thaw(self) -> None:
        if self._pause_timer is not None:
            self._pause_timer.cancel()
            self._pause_timer = None
        elif self._sandbox is not None:
            self._sandbox.resume(self.env_id)
            if self._state is EnvState.FROZEN:
                self._move(EnvState.IDLE)

    def _peak_memory_mb(self) -> int:
        """The cgroup's peak where the sandbox has one, else the process's VmHWM."""
        if self._sandbox is not None:
            peak = self._sandbox.max_memory_mb(self.env_id)
            if peak is not None:
                return peak
        assert self.process is not None
        return self.process.read_max_memory_mb()

    async def _run(self, request: InvokeRequest) -> InvokeResult:
        spec = self.spec
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[Reply] = loop.create_future()
        self._reply = reply
        deadline_ms = int((self._clock.time() + spec.timeout_s) * 1000)
        # Timeouts and crashes resolve the same future as the runtime's reply: one await,
        # no extra tasks on the warm path.
        timer = loop.call_later(spec.timeout_s, _resolve, reply, _TIMED_OUT)
        try:
            self._api.dispatch(Invocation(request, deadline_ms, reply))
            outcome = await reply
        except asyncio.CancelledError:
            # The caller went away mid-invocation: the environment's state is unknown.
            self.discarded = True
            self._api.abandon()
            raise
        finally:
            timer.cancel()
            self._reply = None
        rid = request.request_id
        if outcome is _TIMED_OUT:
            self.discarded = True
            self._api.abandon()
            assert self.process is not None
            # Stop it now, not when the pool gets to it: nothing it prints from here on
            # may land after this invocation's REPORT. Its memory peak is read first.
            self._max_memory_mb = self._peak_memory_mb()
            self.process.kill()
            self._log.drain()
            self._error_type = C.ERR_TIMEOUT
            self._log.emit(logs.timeout_line(self._clock.time(), rid, spec.timeout_s))
            message = logs.timeout_message(rid, spec.timeout_s)
            return InvokeResult(_error_payload(C.ERR_TIMEOUT, message), C.FUNCTION_ERROR_UNHANDLED)
        if outcome is _EXITED:
            self.discarded = True
            self._api.abandon()
            assert self.process is not None
            how = await self.process.exit_description()
            self._log.drain()
            message = logs.exit_message(rid, how)
            self._log.emit(f"{message}\n{C.ERR_EXIT}\n")
            self._error_type = C.ERR_EXIT
            return InvokeResult(_error_payload(C.ERR_EXIT, message), C.FUNCTION_ERROR_UNHANDLED)
        self._log.drain()
        self._error_type = outcome.error_type
        if outcome.error_type is not None:
            return InvokeResult(outcome.payload, C.FUNCTION_ERROR_UNHANDLED)
        return InvokeResult(outcome.payload)

    # --- process exit and logs

    def _on_exit(self, _: object) -> None:
        if self._reply is not None:
            _resolve(self._reply, _EXITED)
        self.discarded = True
        self._on_dead(self)

    # --- stop

    async def destroy(self) -> None:
        """Kill the process, close the listener and the pipe, release the sandbox. Idempotent."""
        if self._state.stopped:
            return
        self._move(EnvState.STOPPING)
        self.discarded = True
        if self._reply is not None:
            _resolve(self._reply, _EXITED)
        # A frozen process cannot die (cgroup v1): thaw before the kill.
        self._thaw()
        try:
            if self.process is not None:
                await self.process.stop()
        finally:
            await self._api.close()
            with contextlib.suppress(OSError):
                self._log.drain()
            self._log.close()
            self._release_sandbox()
            self._move(EnvState.DEAD)
            self._recorder.record(
                EnvironmentStopped(
                    self._clock.time(),
                    self.env_id,
                    self.spec.function_name,
                    self.spec.version,
                    self._clock.monotonic() - self._born,
                    self.spec.log_group,
                    self.stream,
                )
            )

    def _release_sandbox(self) -> None:
        if self._sandbox is not None:
            self._sandbox.release(self.env_id)
            self._sandbox = None


def _resolve(future: asyncio.Future[Reply], outcome: Reply) -> None:
    if not future.done():
        future.set_result(outcome)


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()
