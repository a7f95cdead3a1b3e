"""The state, freezing and exit of an execution environment: the base of `Environment`.

`Environment` (nubis/engine/environment.py) is one class in three modules, each layer
using only what the ones below it define: this one (every attribute, the state and its
transitions, the records, freezing while idle, the process's exit), its start
(nubis/engine/environment_start.py: sandbox, Runtime API listener, fork or restore) and
its invocations and stop (environment.py). `state` moves only through `_move`, here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from nubis.engine import logs, outcomes
from nubis.engine import runtime_api_constants as C
from nubis.engine.process import EnvProcess
from nubis.engine.runtime_api import Reply, RuntimeApiServer
from nubis.engine.state import EnvState, IllegalTransition
from nubis.engine.stream import LogStream
from nubis.model.clock import Clock
from nubis.model.function import FunctionSpec
from nubis.model.settings import LogSettings
from nubis.observe.base import LogSink, Recorder
from nubis.observe.recorder import NullRecorder
from nubis.observe.records import EnvironmentStarted
from nubis.sandbox.base import Sandbox

# An idle environment is frozen (cgroup freezer) this long after its invocation ended:
# not at once, so that back-to-back invocations do not pay a freeze and thaw each.
PAUSE_AFTER_S = 0.05


class EnvironmentCore:
    """The base layer of `Environment` (the class the engine makes); not used alone."""

    def __init__(
        self,
        spec: FunctionSpec,
        sink: LogSink,
        clock: Clock,
        on_dead: Callable[[], None],
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

    @property
    def init_done(self) -> asyncio.Future[Any]:
        """Resolves at the runtime's first GET /next (None) or its init error."""
        return self._api.ready

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

    # --- process exit

    def _on_exit(self, _: object) -> None:
        if self._reply is not None:
            outcomes.resolve(self._reply, outcomes.EXITED)
        self.discarded = True
        self._on_dead()

    def _release_sandbox(self) -> None:
        if self._sandbox is not None:
            self._sandbox.release(self.env_id)
            self._sandbox = None
