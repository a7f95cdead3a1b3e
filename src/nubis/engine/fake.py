"""FakeEngine: an in-memory `Engine` (nubis/engine/base.py) with no processes, for
testing control, events and the API without forking anything.

A function's handler (`spec.handler`, e.g. `app.handler`) is looked up in `handlers`: a
Python callable given the decoded JSON event, whose return value is encoded as the
result (a coroutine is awaited, so a test can hold an invocation open). Unknown handlers
echo their event. A handler that raises is a function error, reported as Lambda reports
an unhandled one (`Unhandled`, `{"errorMessage", "errorType"}`), never raised.

Admission is the engine's `admission` (any `Admission`; `LocalAdmission` by default),
exactly as `LocalEngine` uses it, so throttling behaves the same. Retire, provision and
SnapStart calls are remembered (`retired`, `provisioned`, `snapstart_prepared`) for tests
to assert on. START/END/REPORT lines and the log tail are not produced: a test that
needs them uses the real engine.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from nubis.engine import runtime_api_constants as C
from nubis.engine.admission import Admission, LocalAdmission
from nubis.model.errors import MSG_RATE_EXCEEDED, ServiceException, TooManyRequestsException
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult
from nubis.observe.base import Recorder
from nubis.observe.recorder import NullRecorder
from nubis.observe.records import InvocationReport, Throttle

Handler = Callable[[Any], Any | Awaitable[Any]]


class FakeEngine:
    def __init__(
        self,
        handlers: Mapping[str, Handler] | None = None,
        runtimes: Mapping[str, str] | None = None,
        admission: Admission | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.admission: Admission = admission or LocalAdmission()
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self._runtimes = dict(runtimes or {"python3.11": "fake"})
        self._recorder: Recorder = recorder or NullRecorder()
        self.invocations: list[tuple[FunctionSpec, InvokeRequest]] = []
        self.retired: list[tuple[str, str | None, tuple[str, ...]]] = []
        self.provisioned: dict[str, int] = {}  # spec key -> count
        self.snapstart_prepared: list[str] = []  # spec keys
        self._started = False
        self._closed = False

    async def start(self) -> None:
        self._started = True

    def runtimes(self) -> Mapping[str, str]:
        return dict(self._runtimes)

    async def invoke(self, spec: FunctionSpec, request: InvokeRequest) -> InvokeResult:
        if self._closed or not self._started:
            raise ServiceException("The execution engine is not running.")
        name = spec.function_name
        reason = await self.admission.try_acquire(name, spec.reserved_concurrency)
        if reason is not None:
            self._recorder.record(Throttle(time.time(), name, reason))
            raise TooManyRequestsException(MSG_RATE_EXCEEDED, Reason=reason)
        try:
            self.invocations.append((spec, request))
            started = time.perf_counter()
            payload, error_type = await self._call(spec, request.payload)
            self._recorder.record(
                InvocationReport(
                    time.time(),
                    request.request_id,
                    name,
                    spec.version,
                    (time.perf_counter() - started) * 1000,
                    spec.memory_mb,
                    0,
                    error_type=error_type,
                )
            )
            error = C.FUNCTION_ERROR_UNHANDLED if error_type is not None else None
            return InvokeResult(payload, error, None, spec.version)
        finally:
            self.admission.release(name)

    async def _call(self, spec: FunctionSpec, payload: bytes) -> tuple[bytes, str | None]:
        """(the encoded result, None) or (Lambda's error payload, the error type)."""
        handler = self.handlers.get(spec.handler, _echo)
        try:
            event = json.loads(payload) if payload else None
            result = handler(event)
            if inspect.isawaitable(result):
                result = await result
            return json.dumps(result).encode(), None
        except Exception as e:
            kind = type(e).__name__
            return json.dumps({"errorMessage": str(e), "errorType": kind}).encode(), kind

    async def retire(
        self, function_name: str, keep_key: str | None = None, keep_keys: Collection[str] = ()
    ) -> None:
        self.retired.append((function_name, keep_key, tuple(keep_keys)))

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        if self._closed or not self._started:
            raise ServiceException("The execution engine is not running.")
        if count <= 0:
            self.provisioned.pop(spec.key, None)
        else:
            self.provisioned[spec.key] = count

    def prepare_snapstart(self, spec: FunctionSpec) -> None:
        if spec.snap_start and not self._closed:
            self.snapstart_prepared.append(spec.key)

    async def close(self) -> None:
        self._closed = True


def _echo(event: Any) -> Any:
    return event
