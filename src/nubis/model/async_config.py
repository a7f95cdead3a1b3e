"""Asynchronous invocation as plain data: per-function settings and server settings."""

from __future__ import annotations

from dataclasses import dataclass

# The server's settings of async invocation are part of the settings tree; named here too.
from nubis.model.settings import DEFAULT_RETRY_DELAYS_S, AsyncSettings

DEFAULT_MAX_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE_S = 21600
MAX_RETRY_ATTEMPTS_RANGE = (0, 2)
MAX_EVENT_AGE_RANGE_S = (60, 21600)


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


__all__ = [
    "DEFAULT_MAX_EVENT_AGE_S",
    "DEFAULT_MAX_RETRY_ATTEMPTS",
    "DEFAULT_RETRY_DELAYS_S",
    "MAX_EVENT_AGE_RANGE_S",
    "MAX_RETRY_ATTEMPTS_RANGE",
    "AsyncSettings",
    "EventInvokeConfig",
]
