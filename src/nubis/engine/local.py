"""LocalEngine: the `Engine` of one host (see `nubis.engine.base` for the contract).

    invoke ─▶ pool.take_idle(spec.key) ──warm──▶ Environment.invoke
                 │ none idle                          ▲
                 ▼                                    │
           cap check ─▶ Environment.launch (sandbox plan, Runtime API listener,
                        log pipe, zygote fork) ─▶ initialize ─┘

Ownership: the engine owns the `Launcher` (nubis/engine/launch.py: zygotes, blanks,
Lambda's variables) and, through the pool, every environment. An environment is in the
pool from the moment its launch begins until `discard` removes it, and `discard` is the
only place that destroys one, so each is destroyed exactly once. Held environments
(starting, busy: `EnvState.held`) are never destroyed by retire or the reaper; they are
checked when they are released (`release`).

Parts beside it, each through the `Host` Protocol this class implements
(nubis/engine/host.py): `admission` (any `Admission`: counts invocations per function
from admission to return, also while a cold start runs), `Provisioned`
(nubis/engine/provisioned.py: environments initialised ahead, skipped by the reaper and
the cap's eviction) and `SnapStart` (nubis/engine/snapstart_launch.py).

Records: throttles here; invocation reports and environments started/stopped by each
`Environment`; all to `recorder` (non-blocking, see nubis/observe/base.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Collection, Mapping

from nubis.engine.admission import Admission, LocalAdmission
from nubis.engine.environment import Environment
from nubis.engine.launch import Launcher
from nubis.engine.options import LaunchOptions
from nubis.engine.pool import Pool
from nubis.engine.provisioned import Provisioned
from nubis.engine.snapstart_launch import SnapStart
from nubis.engine.zygote import Zygote
from nubis.model.clock import Clock, SystemClock
from nubis.model.errors import (
    MSG_RATE_EXCEEDED,
    REASON_ACCOUNT_LIMIT,
    InvalidParameterValueException,
    ServiceException,
    TooManyRequestsException,
)
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult
from nubis.model.settings import EngineSettings
from nubis.observe.base import LogSink, Recorder
from nubis.observe.recorder import NullRecorder
from nubis.observe.records import Throttle
from nubis.sandbox.base import Sandbox
from nubis.sandbox.process import ProcessSandbox

log = logging.getLogger(__name__)

_REAP_INTERVAL_MAX_S = 30.0
_ON_DEMAND = LaunchOptions()
_ON_DEMAND_TAIL = LaunchOptions(capture_tail=True)


class LocalEngine:
    def __init__(
        self,
        settings: EngineSettings,
        logs: LogSink,
        clock: Clock | None = None,
        sandbox: Sandbox | None = None,
        region: str = "us-east-1",
        api_endpoint: str | None = None,
        admission: Admission | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        # Control sets its limits (account, reservations, provisioned) from the store;
        # the engine only uses the Protocol (a cluster passes its own).
        self.admission: Admission = admission or LocalAdmission()
        self._settings = settings
        self._logs = logs
        self._recorder: Recorder = recorder or NullRecorder()
        self._clock: Clock = clock or SystemClock()
        self._sandbox: Sandbox = sandbox or ProcessSandbox()
        self._launcher = Launcher(self._sandbox, settings.blank_environments, region, api_endpoint)
        self._pool = Pool()
        self._by_pid: dict[int, Environment] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # destroys running in the background
        self._reaper: asyncio.Task[None] | None = None
        self._provisioned = Provisioned(self)
        self._snapstart = SnapStart(self)
        self._started = False
        self._closed = False

    # --- the Host Protocol (nubis/engine/host.py), for Provisioned and SnapStart

    @property
    def pool(self) -> Pool:
        return self._pool

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    @property
    def sandbox(self) -> Sandbox:
        return self._sandbox

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def closed(self) -> bool:
        return self._closed

    # --- lifecycle

    async def start(self) -> None:
        """Discover runtimes, start one zygote per runtime, start the idle reaper."""
        if self._started:
            return
        self._started = True
        level, line = self._sandbox.announcement  # a loud warning where not isolated
        log.log(level, "%s", line)
        await self._launcher.start(self._on_process_exit, self._on_zygote_lost)
        self._reaper = asyncio.create_task(self._reap_forever())

    def runtimes(self) -> Mapping[str, str]:
        return self._launcher.runtimes()

    async def close(self) -> None:
        """Kill every environment and zygote; close every socket and pipe. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        await self._snapstart.close()
        await self._launcher.stop_compiling()
        await asyncio.gather(*(self.discard(env) for env in self._pool))
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # Zygotes after environments: their exit reports are still read until then.
        await self._launcher.close()
        self._sandbox.close()

    # --- invoke

    async def invoke(self, spec: FunctionSpec, request: InvokeRequest) -> InvokeResult:
        if self._closed or not self._started:
            raise ServiceException("The execution engine is not running.")
        name = spec.function_name
        # Counted before the first suspension (the local admission never suspends),
        # released in `finally`: no window in which more than the limit are admitted.
        reason = await self.admission.try_acquire(name, spec.reserved_concurrency)
        if reason is not None:
            self._recorder.record(Throttle(self._clock.time(), name, reason))
            raise TooManyRequestsException(MSG_RATE_EXCEEDED, Reason=reason)
        try:
            env = self._pool.take_idle(spec)
            failed_init = None
            if spec.snap_start:
                self._snapstart.taken(spec, env)
                if env is None:
                    env, failed_init = await self._snapstart.restore(spec, request)
            if env is None:
                env, failed_init = await self._cold_start(spec, request)
            try:
                return await env.invoke(request, failed_init)
            finally:
                self.release(env)
        finally:
            self.admission.release(name)

    def zygote_for(self, runtime: str) -> Zygote | None:
        return self._launcher.zygote_for(runtime)

    def forks_itself(self, runtime: str) -> bool:
        return self._launcher.forks_itself(runtime)

    async def launch(
        self,
        env: Environment,
        zygote: Zygote,
        options: LaunchOptions,
        snapshot: socket.socket | None = None,
    ) -> None:
        await self._launcher.launch(env, zygote, options, snapshot)
        assert env.process is not None
        self._by_pid[env.process.pid] = env

    async def _cold_start(
        self, spec: FunctionSpec, request: InvokeRequest
    ) -> tuple[Environment, InvokeResult | None]:
        zygote = self.zygote_for(spec.runtime)
        if zygote is None:
            raise InvalidParameterValueException(
                f"The runtime parameter of {spec.runtime} is not supported by this host. "
                f"Supported runtimes: {', '.join(sorted(self.runtimes())) or 'none'}."
            )
        await self.make_room(spec)
        env = self.starting(spec)
        try:
            await self.launch(env, zygote, _ON_DEMAND_TAIL if request.tail_logs else _ON_DEMAND)
            failed_init = await env.initialize(request.request_id)
        except BaseException:
            await self.discard(env)
            raise
        return env, failed_init

    def starting(self, spec: FunctionSpec) -> Environment:
        """A new environment of `spec` in the pool: counted, retired and destroyed like
        any, and held (STARTING: not idle, not reapable) until it is released."""
        env = Environment(
            spec, self._logs, self._clock, self._on_env_dead, self._settings.logs, self._recorder
        )
        self._pool.add(env)
        return env

    async def make_room(self, spec: FunctionSpec) -> None:
        if len(self._pool) >= self._settings.max_environments:
            # Idle environments of other functions make room; busy ones never do.
            victim = self._least_recently_used_on_demand()
            if victim is None:
                self._recorder.record(
                    Throttle(self._clock.time(), spec.function_name, REASON_ACCOUNT_LIMIT)
                )
                raise TooManyRequestsException(MSG_RATE_EXCEEDED, Reason=REASON_ACCOUNT_LIMIT)
            await self.discard(victim)

    # --- SnapStart (nubis/engine/snapstart_launch.py)

    def prepare_snapstart(self, spec: FunctionSpec) -> None:
        if spec.snap_start and self._started and not self._closed:
            self._snapstart.prepare(spec)

    def snapstart_ready(self, spec: FunctionSpec) -> int:
        """1 if the version's snapshot is ready to fork from (for tests, stats)."""
        return self._snapstart.ready(spec)

    def release(self, env: Environment) -> None:
        """An invocation (or a start) ended: keep the environment warm or let it go."""
        if env.discarded or env.retiring or self._closed:
            self._discard_soon(env)
            return
        env.last_used = self._clock.monotonic()
        self._pool.put_idle(env)

    def _least_recently_used_on_demand(self) -> Environment | None:
        idle = (e for e in self._pool.idle() if not self._provisioned.is_provisioned(e))
        return min(idle, key=lambda env: env.last_used, default=None)

    # --- retire, reap, exits

    async def retire(
        self, function_name: str, keep_key: str | None = None, keep_keys: Collection[str] = ()
    ) -> None:
        def doomed_key(spec: FunctionSpec) -> bool:
            return (
                spec.function_name == function_name
                and spec.key != keep_key
                and spec.key not in keep_keys
            )

        self._provisioned.retire(doomed_key)
        doomed = []
        for env in self._pool:
            if doomed_key(env.spec):
                env.retiring = True
                if not env.busy:
                    doomed.append(env)
        await asyncio.gather(*(self.discard(env) for env in doomed))

    async def reap_idle(self) -> None:
        """Destroy environments idle for longer than settings.idle_timeout_s (by the clock)."""
        now = self._clock.monotonic()
        limit = self._settings.idle_timeout_s
        doomed = [
            env
            for env in self._pool.idle()
            if not self._provisioned.is_provisioned(env) and now - env.last_used > limit
        ]
        doomed += self._snapstart.stale(now, limit)
        await asyncio.gather(*(self.discard(env) for env in doomed))

    # --- provisioned concurrency (nubis/engine/provisioned.py)

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        if self._closed or not self._started:
            raise ServiceException("The execution engine is not running.")
        await self._provisioned.provision(spec, count)

    async def _reap_forever(self) -> None:
        interval = min(max(self._settings.idle_timeout_s / 4, 0.05), _REAP_INTERVAL_MAX_S)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap_idle()
            except Exception:
                log.exception("reaping idle environments failed")
            await self._provisioned.refill()

    def environment_count(self, function_name: str | None = None) -> int:
        """Environments that exist now (starting, busy or idle), of one function or all."""
        return self._pool.count(function_name)

    def process_ids(self) -> list[int]:
        """Pids of every process the engine runs now (zygotes, then environments); for tests."""
        pids = self._launcher.zygote_pids()
        return pids + [env.process.pid for env in self._pool if env.process is not None]

    def _on_process_exit(self, pid: int, status: int) -> None:
        env = self._by_pid.get(pid)
        if env is not None and env.process is not None:
            env.process.set_status(status)

    def _on_zygote_lost(self, runtime: str) -> None:
        for env in self._pool:
            if env.spec.runtime == runtime and env.process is not None:
                env.process.orphan()

    def _on_env_dead(self, env: Environment) -> None:
        # A held environment is dealt with when it is released (an invocation needs the
        # process's exit status for its result); an idle one goes now.
        if not env.busy:
            self._discard_soon(env)

    def _discard_soon(self, env: Environment) -> None:
        task = asyncio.create_task(self.discard(env))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def discard(self, env: Environment) -> None:
        """Remove from the pool and destroy; the one place environments are destroyed."""
        if not self._pool.remove(env):
            return
        self._provisioned.forget(env)
        self._snapstart.forget(env)
        started = time.perf_counter()
        try:
            await env.destroy()
        finally:
            if env.process is not None:
                # The process is gone: its exit report is not needed any more.
                self._by_pid.pop(env.process.pid, None)
            log.debug(
                "environment %s destroyed in %.2f ms",
                env.env_id,
                (time.perf_counter() - started) * 1000,
            )
