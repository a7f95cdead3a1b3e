"""AWS's schedule expressions: `rate(...)`, six-field `cron(...)` and Scheduler's `at(...)`.

    parse_schedule(text, service) -> Rate | Cron | At     (raises ScheduleExpressionError)

The dialect is AWS's, not classic cron's (no cron library implements it):

    cron(minutes hours day-of-month month day-of-week year)
      minutes 0-59, hours 0-23       , - * /
      day-of-month 1-31              , - * / ?  L  LW  nW (nearest weekday to day n)
      month 1-12 or JAN-DEC          , - * /
      day-of-week 1-7 or SUN-SAT     , - * ?  L (= SAT)  dL (last d of the month)  d#n
      year 1970-2199                 , - * /
    exactly one of day-of-month and day-of-week is `?`.

    rate(N unit): N a positive integer; unit minute|hour|day when N is 1, else plural.
    at(yyyy-mm-ddThh:mm:ss): EventBridge Scheduler only.

An invalid expression raises `ScheduleExpressionError` (a ValidationException) with the
message of the service that refuses it: EventBridge's "Parameter ScheduleExpression is
not valid." or Scheduler's "Invalid Schedule Expression <expression>."; `.reason` says
what is wrong, for logs and tests. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from nubis.model.errors import ValidationException

Service = Literal["events", "scheduler"]
EVENTS: Final[Service] = "events"
SCHEDULER: Final[Service] = "scheduler"

EVENTS_INVALID: Final = "Parameter ScheduleExpression is not valid."

MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # 1-7
YEAR_MIN: Final = 1970
YEAR_MAX: Final = 2199


class ScheduleExpressionError(ValidationException):
    """A schedule expression the service refuses; `.reason` is Nubis's own detail."""

    def __init__(self, expression: str, service: Service, reason: str) -> None:
        message = (
            EVENTS_INVALID if service == EVENTS else f"Invalid Schedule Expression {expression}."
        )
        super().__init__(message)
        self.expression = expression
        self.reason = reason


class _Invalid(ValueError):
    """Raised inside the parser; carries the reason up to parse_schedule."""


@dataclass(frozen=True, slots=True)
class Rate:
    value: int
    unit: Literal["minute", "hour", "day"]

    @property
    def interval(self) -> timedelta:
        """Elapsed time between fires: a day is 24 hours, also across a DST change."""
        return timedelta(**{f"{self.unit}s": self.value})


@dataclass(frozen=True, slots=True)
class At:
    when: datetime  # naive: a wall-clock time in the schedule's time zone


@dataclass(frozen=True, slots=True)
class DayOfMonth:
    """The day-of-month field: `days`, or one of AWS's special forms."""

    days: frozenset[int] = frozenset()
    last: bool = False  # L
    last_weekday: bool = False  # LW
    nearest_weekday: int | None = None  # nW


@dataclass(frozen=True, slots=True)
class DayOfWeek:
    """The day-of-week field in AWS's numbering, 1 = SUN ... 7 = SAT."""

    days: frozenset[int] = frozenset()
    last_of: int | None = None  # dL: the last such weekday of the month
    nth: tuple[int, int] | None = None  # d#n: the n-th such weekday of the month


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: DayOfMonth | None  # None: `?`
    months: frozenset[int]
    day_of_week: DayOfWeek | None  # None: `?`
    years: frozenset[int]


Schedule = Rate | Cron | At

_RATE: Final = re.compile(r"rate\(([0-9]+) (minutes?|hours?|days?)\)")
_CRON: Final = re.compile(r"cron\((.*)\)")
_AT: Final = re.compile(r"at\(([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\)")


def parse_schedule(text: str, service: Service = EVENTS) -> Schedule:
    """Parse a ScheduleExpression as `service` (EventBridge rules or Scheduler) does."""
    try:
        return _parse(text, service)
    except _Invalid as exc:
        raise ScheduleExpressionError(text, service, str(exc)) from None


def _parse(text: str, service: Service) -> Schedule:
    if match := _RATE.fullmatch(text):
        return _rate(int(match[1]), match[2])
    if match := _CRON.fullmatch(text):
        return _cron(match[1])
    if match := _AT.fullmatch(text):
        if service != SCHEDULER:
            raise _Invalid("at() is a Scheduler expression; rules take rate() or cron()")
        try:
            year, month, day, hour, minute, second = (int(g) for g in match.groups())
            return At(datetime(year, month, day, hour, minute, second))
        except ValueError as exc:
            raise _Invalid(f"no such date and time: {exc}") from None
    raise _Invalid("not rate(...), cron(...) or at(...)")


def _rate(value: int, unit: str) -> Rate:
    if value < 1:
        raise _Invalid("the rate value must be a positive integer")
    singular = unit.rstrip("s")
    if (value == 1) != (unit == singular):
        raise _Invalid(f"with {value} the unit is {singular if value == 1 else singular + 's'}")
    return Rate(value, singular)  # type: ignore[arg-type]


def _cron(body: str) -> Cron:
    fields = body.split(" ")
    if len(fields) != 6:
        raise _Invalid(f"cron() takes 6 fields separated by single spaces, not {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise _Invalid("exactly one of day-of-month and day-of-week must be ?")
    return Cron(
        minutes=_values(minute, 0, 59, "minutes"),
        hours=_values(hour, 0, 23, "hours"),
        day_of_month=None if dom == "?" else _day_of_month(dom),
        months=_values(month, 1, 12, "month", MONTHS),
        day_of_week=None if dow == "?" else _day_of_week(dow),
        years=_values(year, YEAR_MIN, YEAR_MAX, "year"),
    )


def _number(text: str, low: int, high: int, field: str, names: tuple[str, ...] = ()) -> int:
    upper = text.upper()
    if names and upper in names:
        return names.index(upper) + 1
    if not text.isdigit():
        raise _Invalid(f"{text!r} is not a value of {field}")
    value = int(text)
    if not low <= value <= high:
        raise _Invalid(f"{field} {value} is outside {low}-{high}")
    return value


def _values(
    text: str, low: int, high: int, field: str, names: tuple[str, ...] = (), steps: bool = True
) -> frozenset[int]:
    """A comma list of `*`, `v`, `a-b`, each with an optional `/step` (when `steps`)."""
    out: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        if slash and not steps:
            raise _Invalid(f"{field} takes no /step")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _Invalid(f"{step_text!r} is not a step of {field}")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _number(first, low, high, field, names)
            end = _number(last, low, high, field, names)
            if start > end:
                raise _Invalid(f"the range {base} of {field} runs backwards")
        else:
            start = _number(base, low, high, field, names)
            end = high if slash else start  # AWS's `5/15`: from 5, every 15
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _day_of_month(text: str) -> DayOfMonth:
    if text == "L":
        return DayOfMonth(last=True)
    if text == "LW":
        return DayOfMonth(last_weekday=True)
    if text.endswith("W"):
        return DayOfMonth(nearest_weekday=_number(text[:-1], 1, 31, "day-of-month"))
    if "L" in text or "W" in text:
        raise _Invalid(f"{text!r}: L and W stand alone in day-of-month")
    return DayOfMonth(days=_values(text, 1, 31, "day-of-month"))


def _day_of_week(text: str) -> DayOfWeek:
    if text == "L":
        return DayOfWeek(days=frozenset({7}))
    if "#" in text:
        day, _, nth = text.partition("#")
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise _Invalid(f"{text!r}: the week after # is 1-5")
        return DayOfWeek(nth=(_number(day, 1, 7, "day-of-week", DAYS), int(nth)))
    if text.endswith("L"):
        return DayOfWeek(last_of=_number(text[:-1], 1, 7, "day-of-week", DAYS))
    if "L" in text.upper():  # no day name has an L
        raise _Invalid(f"{text!r}: L stands alone or after one day in day-of-week")
    return DayOfWeek(days=_values(text, 1, 7, "day-of-week", DAYS, steps=False))
