"""One execution environment: a forked runtime process, its Runtime API and its log stream.

Lifetime: `launch()` (sandbox plan, listener, log pipe, fork) → `initialize()` (until
the runtime's first GET /next or its init error) → `invoke()` any number of times, one
at a time → `destroy()` exactly once (idempotent). The pool decides when; this class
only makes each step leave nothing behind when it fails. Each step moves `state` (see
nubis/engine/state.py); nothing else assigns it.

One class in three layers, each using only what those below it define: the state, its
transitions, freezing and the process's exit (`EnvironmentCore`, environment_core.py);
the start (`EnvironmentStart`, environment_start.py, with the steps in starting.py);
init, invocations and the stop here (how an unanswered one ends: outcomes.py).

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
import time
from collections.abc import Callable
from typing import Any

from nubis.engine import logs, outcomes
from nubis.engine import runtime_api_constants as C
from nubis.engine.environment_start import EnvironmentStart
from nubis.engine.runtime_api import Invocation, Reply
from nubis.engine.starting import INIT_TIMEOUT_S
from nubis.engine.state import EnvState
from nubis.model.clock import Clock
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult
from nubis.model.settings import LogSettings
from nubis.observe.base import LogSink, Recorder
from nubis.observe.records import EnvironmentStopped, InvocationReport


class Environment(EnvironmentStart):
    def __init__(
        self,
        spec: FunctionSpec,
        sink: LogSink,
        clock: Clock,
        on_dead: Callable[[Environment], None],
        log_settings: LogSettings | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        """`on_dead(env)` is called once its process has exited (from a loop callback)."""
        super().__init__(spec, sink, clock, lambda: on_dead(self), log_settings, recorder)

    # --- init

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
            return await self._exited(request_id)
        self.process.kill()
        self._error_type = C.ERR_TIMEOUT
        return outcomes.init_timed_out(INIT_TIMEOUT_S)

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
        timer = loop.call_later(spec.timeout_s, outcomes.resolve, reply, outcomes.TIMED_OUT)
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
        if outcome is outcomes.TIMED_OUT:
            self.discarded = True
            self._api.abandon()
            assert self.process is not None
            # Stop it now, not when the pool gets to it: nothing it prints from here on
            # may land after this invocation's REPORT. Its memory peak is read first.
            self._max_memory_mb = self._peak_memory_mb()
            self.process.kill()
            self._log.drain()
            self._error_type = C.ERR_TIMEOUT
            return outcomes.timed_out(self._log, self._clock.time(), rid, spec.timeout_s)
        if outcome is outcomes.EXITED:
            self.discarded = True
            self._api.abandon()
            return await self._exited(rid)
        self._log.drain()
        self._error_type = outcome.error_type
        if outcome.error_type is not None:
            return InvokeResult(outcome.payload, C.FUNCTION_ERROR_UNHANDLED)
        return InvokeResult(outcome.payload)

    async def _exited(self, request_id: str) -> InvokeResult:
        """The process ended before it answered (during init or an invocation)."""
        assert self.process is not None
        how = await self.process.exit_description()
        self._log.drain()
        self._error_type = C.ERR_EXIT
        return outcomes.exited(self._log, request_id, how)

    # --- stop

    async def destroy(self) -> None:
        """Kill the process, close the listener and the pipe, release the sandbox. Idempotent."""
        if self._state.stopped:
            return
        self._move(EnvState.STOPPING)
        self.discarded = True
        if self._reply is not None:
            outcomes.resolve(self._reply, outcomes.EXITED)
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
