"""Asynchronous invocation as plain data: per-function settings and server settings."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE_S = 21600
MAX_RETRY_ATTEMPTS_RANGE = (0, 2)
MAX_EVENT_AGE_RANGE_S = (60, 21600)
# Lambda retries a function error after 1 minute, then after 2 minutes.
DEFAULT_RETRY_DELAYS_S = (60.0, 120.0)


@dataclass(frozen=True)
class EventInvokeConfig:
    """One function's (or version's, alias's) event-invoke config as stored. A member
    that was not set is None (and its default applies)."""

    function_name: str
    qualifier: str  # "$LATEST", a version number or an alias name
    max_retry_attempts: int | None
    max_event_age_s: int | None
    on_success: str | None  # destination ARN
    on_failure: str | None
    last_modified: float  # epoch seconds

    @property
    def retries(self) -> int:
        return (
            DEFAULT_MAX_RETRY_ATTEMPTS
            if self.max_retry_attempts is None
            else (self.max_retry_attempts)
        )

    @property
    def max_age_s(self) -> int:
        return DEFAULT_MAX_EVENT_AGE_S if self.max_event_age_s is None else self.max_event_age_s


@dataclass(frozen=True)
class AsyncSettings:
    """How the server runs accepted events; read once by `nubis serve`.

    `retry_delays_s[i]` is the pause before retry i+1 after a function error (Lambda:
    60 s then 120 s; `--async-retry-delays 1,2` makes that 1 s then 2 s for development).
    Throttles and system errors back off from `backoff_base_s`, doubling up to
    `backoff_max_s`, until the event's maximum age.
    """

    retry_delays_s: tuple[float, ...] = DEFAULT_RETRY_DELAYS_S
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    concurrency: int = 64  # events run at once by this server, all functions together
    lease_s: float = 960.0  # longer than the longest function timeout (900 s)
