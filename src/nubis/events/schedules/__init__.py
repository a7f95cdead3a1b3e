"""Schedules: AWS's schedule expressions and when they fire.

`expressions` parses `rate()`, AWS's six-field `cron()` and Scheduler's `at()` with the
services' validation messages; `fire` computes the next fire time in a time zone, with
EventBridge Scheduler's daylight-saving rules. Both are pure: the scheduler that leases
and fires schedules (issue 15) brings the clock and the store.
"""

from nubis.events.schedules.expressions import (
    EVENTS,
    SCHEDULER,
    At,
    Cron,
    Rate,
    Schedule,
    ScheduleExpressionError,
    parse_schedule,
)
from nubis.events.schedules.fire import next_fire

__all__ = [
    "EVENTS",
    "SCHEDULER",
    "At",
    "Cron",
    "Rate",
    "Schedule",
    "ScheduleExpressionError",
    "next_fire",
    "parse_schedule",
]
