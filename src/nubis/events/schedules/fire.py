"""When a schedule fires next, in its time zone, with AWS's daylight-saving rules.

    next_fire(schedule, after, tz, start=None) -> datetime | None

`after` must be timezone-aware; the result is aware, in `tz`, and strictly later than
`after` (None when the schedule never fires again: a past `at()`, a cron whose years are
over). EventBridge rules evaluate cron in UTC; Scheduler in ScheduleExpressionTimezone.

Daylight saving time, as EventBridge Scheduler documents it: a cron or at() time that does
not exist on a spring-forward day is skipped (not moved); a wall-clock time that occurs
twice on a fall-back day fires once, at its first occurrence; a rate counts elapsed time
(`rate(1 day)` is every 24 hours, so it drifts by an hour on the wall clock across a
change).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo

from nubis.events.schedules.expressions import (
    At,
    Cron,
    DayOfMonth,
    DayOfWeek,
    Rate,
    Schedule,
    parse_schedule,
)


def next_fire(
    schedule: Schedule | str,
    after: datetime,
    tz: tzinfo = UTC,
    start: datetime | None = None,
) -> datetime | None:
    """The first fire strictly after `after`. A rate fires at `start` + k x interval
    (k >= 0) when `start` (its StartDate, or when it was created) is given, else at
    `after` + interval."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if isinstance(schedule, str):
        schedule = parse_schedule(schedule, "scheduler")
    if isinstance(schedule, Rate):
        return _next_rate(schedule, after, start).astimezone(tz)
    if isinstance(schedule, At):
        moment = _wall_to_aware(schedule.when, tz)
        return moment if moment is not None and moment > after else None
    return _next_cron(schedule, after, tz)


def _next_rate(rate: Rate, after: datetime, start: datetime | None) -> datetime:
    # In UTC: arithmetic on datetimes of one zone is wall-clock arithmetic in Python.
    after = after.astimezone(UTC)
    if start is None:
        return after + rate.interval
    start = start.astimezone(UTC)
    if start > after:
        return start
    elapsed = after - start
    steps = elapsed // rate.interval + 1
    return start + steps * rate.interval


def _wall_to_aware(wall: datetime, tz: tzinfo) -> datetime | None:
    """The first instant showing `wall` in `tz`; None if the wall time is skipped."""
    moment = wall.replace(tzinfo=tz, fold=0)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        return None  # a spring-forward gap
    return moment


def _next_cron(cron: Cron, after: datetime, tz: tzinfo) -> datetime | None:
    local_after = after.astimezone(tz).replace(tzinfo=None)
    # Wall times more than 3 hours before `after` are earlier whatever the offsets (no zone
    # changes by 3 hours at once); the exact comparison below is between instants.
    floor = local_after - timedelta(hours=3)
    hours, minutes = sorted(cron.hours), sorted(cron.minutes)
    for day in _days(cron, floor.date()):
        for hour in hours:
            if datetime(day.year, day.month, day.day, hour, 59) < floor:
                continue
            for minute in minutes:
                moment = _wall_to_aware(datetime(day.year, day.month, day.day, hour, minute), tz)
                if moment is not None and moment > after:
                    return moment
    return None


def _days(cron: Cron, begin: date) -> Iterator[date]:
    """The days the cron allows from `begin` on, in order."""
    for year in sorted(y for y in cron.years if y >= begin.year):
        for month in sorted(cron.months):
            if (year, month) < (begin.year, begin.month):
                continue
            last = calendar.monthrange(year, month)[1]
            first = begin.day if (year, month) == (begin.year, begin.month) else 1
            for day in range(first, last + 1):
                current = date(year, month, day)
                if _day_allowed(cron, current, last):
                    yield current


def _day_allowed(cron: Cron, day: date, last: int) -> bool:
    if cron.day_of_month is not None:
        return _dom_allows(cron.day_of_month, day, last)
    assert cron.day_of_week is not None  # the parser demands exactly one `?`
    return _dow_allows(cron.day_of_week, day, last)


def _aws_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday is 0 in Python, 2 in AWS's numbering


def _dom_allows(field: DayOfMonth, day: date, last: int) -> bool:
    if field.last:
        return day.day == last
    if field.last_weekday:
        return day.day == _weekday_near(day.replace(day=last), last).day
    if field.nearest_weekday is not None:
        if field.nearest_weekday > last:
            return False  # 31W in a 30-day month: no such day
        return day == _weekday_near(day.replace(day=field.nearest_weekday), last)
    return day.day in field.days


def _weekday_near(target: date, last: int) -> date:
    """Quartz's W: the weekday nearest `target` without leaving its month."""
    weekday = target.weekday()
    if weekday < 5:
        return target
    if weekday == 5:  # Saturday: Friday, unless that is in the previous month
        return target - timedelta(days=1) if target.day > 1 else target + timedelta(days=2)
    # Sunday: Monday, unless that is in the next month
    return target + timedelta(days=1) if target.day < last else target - timedelta(days=2)


def _dow_allows(field: DayOfWeek, day: date, last: int) -> bool:
    weekday = _aws_weekday(day)
    if field.last_of is not None:
        return weekday == field.last_of and day.day + 7 > last
    if field.nth is not None:
        wanted, nth = field.nth
        return weekday == wanted and (day.day - 1) // 7 + 1 == nth
    return weekday in field.days
