"""The typed records every part emits to the `Recorder` (see `nubis.observe.base`).

Plain frozen data, built on the hot path: each is one small object with slots, no I/O,
no formatting. Consumers (the REPORT line, metrics, traces) derive what they show from
these fields; a field's meaning is Lambda's where Lambda has the same number (the REPORT
line's `Duration`, `Billed Duration`, `Max Memory Used`, `Init Duration`, ...).

    Record = InvocationReport | Throttle | EnvironmentStarted | EnvironmentStopped | ApiCall

Times are wall-clock seconds since the epoch (`at`, from the injected clock) and
durations milliseconds, as Lambda reports them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InvocationReport:
    """One invocation's end, as the REPORT line says it (and a bit more: the error)."""

    at: float
    request_id: str
    function_name: str
    version: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    # The environment's init (on-demand cold start) or restore (SnapStart), reported
    # once, on its first invocation; None on warm ones.
    init_duration_ms: float | None = None
    restore_duration_ms: float | None = None
    # Lambda's `X-Amz-Function-Error` kind (`Unhandled`) or None when it succeeded.
    error_type: str | None = None

    @property
    def billed_duration_ms(self) -> int:
        """Lambda bills whole milliseconds, at least one."""
        return max(1, math.ceil(self.duration_ms))

    @property
    def billed_restore_duration_ms(self) -> int | None:
        if self.restore_duration_ms is None:
            return None
        return max(1, math.ceil(self.restore_duration_ms))


@dataclass(frozen=True, slots=True)
class Throttle:
    """An invocation refused before anything started (`TooManyRequestsException`)."""

    at: float
    function_name: str
    reason: str  # e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`


@dataclass(frozen=True, slots=True)
class EnvironmentStarted:
    """An environment finished its init (or restore) and can serve invocations."""

    at: float
    env_id: str
    function_name: str
    version: str
    # `on-demand`, `provisioned-concurrency` or `snap-start` (Lambda's
    # AWS_LAMBDA_INITIALIZATION_TYPE values)
    initialization_type: str
    init_duration_ms: float | None


@dataclass(frozen=True, slots=True)
class EnvironmentStopped:
    """An environment was destroyed (idle, retired, crashed, timed out, engine closed)."""

    at: float
    env_id: str
    function_name: str
    version: str
    lifetime_s: float
    # Its log stream, which gets no more text from here on (one stream per environment).
    log_group: str = ""
    log_stream: str = ""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request through the API gateway."""

    at: float
    service: str  # e.g. `lambda`, `sqs`
    operation: str  # e.g. `Invoke`, `SendMessage`
    status: int  # the HTTP status answered
    duration_ms: float


Record = InvocationReport | Throttle | EnvironmentStarted | EnvironmentStopped | ApiCall
