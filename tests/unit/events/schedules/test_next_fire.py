"""When schedules fire: calendar forms, time zones and daylight saving time.

Expected times are worked out by hand from the calendar (2027-01-01 is a Friday; in
America/New_York DST starts 2027-03-14 at 02:00 and ends 2027-11-07 at 02:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nubis.events.schedules import next_fire, parse_schedule

NY = ZoneInfo("America/New_York")
UTC_START = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # a Friday, midnight


def fires(expr: str, after: datetime, tz: ZoneInfo | None = None, count: int = 3) -> list[str]:
    schedule = parse_schedule(expr, "scheduler")
    out: list[str] = []
    at: datetime | None = after
    for _ in range(count):
        assert at is not None
        at = next_fire(schedule, at, tz or UTC)
        if at is None:
            break
        out.append(at.strftime("%Y-%m-%d %H:%M %a"))
    return out


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            "cron(0 10 * * ? *)",
            ["2027-01-01 10:00 Fri", "2027-01-02 10:00 Sat", "2027-01-03 10:00 Sun"],
        ),
        (
            "cron(0 18 ? * MON-FRI *)",
            ["2027-01-01 18:00 Fri", "2027-01-04 18:00 Mon", "2027-01-05 18:00 Tue"],
        ),
        (
            "cron(0 8 1 * ? *)",
            ["2027-01-01 08:00 Fri", "2027-02-01 08:00 Mon", "2027-03-01 08:00 Mon"],
        ),
        (
            "cron(0/15 * * * ? *)",
            ["2027-01-01 00:00 Fri", "2027-01-01 00:15 Fri", "2027-01-01 00:30 Fri"],
        ),
        (
            "cron(5/20 1 * * ? *)",
            ["2027-01-01 01:05 Fri", "2027-01-01 01:25 Fri", "2027-01-01 01:45 Fri"],
        ),
        (
            "cron(0 9 ? * 2#1 *)",
            ["2027-01-04 09:00 Mon", "2027-02-01 09:00 Mon", "2027-03-01 09:00 Mon"],
        ),
        (
            "cron(0 9 ? * FRI#5 *)",
            ["2027-01-29 09:00 Fri", "2027-04-30 09:00 Fri", "2027-07-30 09:00 Fri"],
        ),
        (
            "cron(0 0 L * ? *)",
            ["2027-01-31 00:00 Sun", "2027-02-28 00:00 Sun", "2027-03-31 00:00 Wed"],
        ),
        ("cron(0 0 L 2 ? 2028)", ["2028-02-29 00:00 Tue"]),
        (
            "cron(0 0 LW * ? *)",
            ["2027-01-29 00:00 Fri", "2027-02-26 00:00 Fri", "2027-03-31 00:00 Wed"],
        ),
        (
            "cron(0 0 1W * ? *)",
            ["2027-01-01 00:00 Fri", "2027-02-01 00:00 Mon", "2027-03-01 00:00 Mon"],
        ),
        # 2027-05-01 is a Saturday: 1W stays in May, on Monday the 3rd.
        (
            "cron(0 0 1W 5 ? *)",
            ["2027-05-03 00:00 Mon", "2028-05-01 00:00 Mon", "2029-05-01 00:00 Tue"],
        ),
        # 2027-01-31 is a Sunday: 31W stays in January, on Friday the 29th.
        (
            "cron(0 0 31W 1 ? *)",
            ["2027-01-29 00:00 Fri", "2028-01-31 00:00 Mon", "2029-01-31 00:00 Wed"],
        ),
        (
            "cron(0 0 16W * ? *)",
            ["2027-01-15 00:00 Fri", "2027-02-16 00:00 Tue", "2027-03-16 00:00 Tue"],
        ),
        (
            "cron(0 0 ? * 6L *)",
            ["2027-01-29 00:00 Fri", "2027-02-26 00:00 Fri", "2027-03-26 00:00 Fri"],
        ),
        (
            "cron(0 0 ? * L *)",
            ["2027-01-02 00:00 Sat", "2027-01-09 00:00 Sat", "2027-01-16 00:00 Sat"],
        ),
        (
            "cron(0 0 ? * 1 *)",
            ["2027-01-03 00:00 Sun", "2027-01-10 00:00 Sun", "2027-01-17 00:00 Sun"],
        ),
        (
            "cron(0 0 31 * ? *)",
            ["2027-01-31 00:00 Sun", "2027-03-31 00:00 Wed", "2027-05-31 00:00 Mon"],
        ),
        (
            "cron(0 0 29 2 ? *)",
            ["2028-02-29 00:00 Tue", "2032-02-29 00:00 Sun", "2036-02-29 00:00 Fri"],
        ),
        (
            "cron(30 12 ? * SAT,SUN 2027)",
            ["2027-01-02 12:30 Sat", "2027-01-03 12:30 Sun", "2027-01-09 12:30 Sat"],
        ),
        ("cron(0 12 * * ? 2026)", []),  # its year is over
        ("cron(59 23 31 12 ? 2199)", ["2199-12-31 23:59 Tue"]),
        ("cron(0 0 30 2 ? *)", []),  # never a February 30th
        ("cron(0 0 ? JAN,MAR 2#1 2027)", ["2027-01-04 00:00 Mon", "2027-03-01 00:00 Mon"]),
    ],
)
def test_cron_fire_times_in_utc(expr: str, expected: list[str]) -> None:
    assert fires(expr, UTC_START - timedelta(minutes=1)) == expected


def test_fires_strictly_after() -> None:
    at_ten = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)
    assert next_fire("cron(0 10 * * ? *)", at_ten) == at_ten + timedelta(days=1)


def test_a_time_zone_moves_the_wall_clock() -> None:
    # 10:00 in New York is 15:00 UTC in winter, 14:00 UTC in summer.
    winter = next_fire("cron(0 10 * * ? *)", datetime(2027, 1, 5, tzinfo=UTC), NY)
    summer = next_fire("cron(0 10 * * ? *)", datetime(2027, 7, 5, tzinfo=UTC), NY)
    assert winter is not None
    assert summer is not None
    assert winter.astimezone(UTC) == datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    assert summer.astimezone(UTC) == datetime(2027, 7, 5, 14, 0, tzinfo=UTC)
    assert winter.tzinfo is NY


def test_spring_forward_skips_the_missing_time() -> None:
    # 02:30 does not exist on 2027-03-14 in New York: that day is skipped, not moved.
    out = fires("cron(30 2 * * ? *)", datetime(2027, 3, 13, 3, 0, tzinfo=NY), NY)
    assert out == ["2027-03-15 02:30 Mon", "2027-03-16 02:30 Tue", "2027-03-17 02:30 Wed"]
    assert next_fire("at(2027-03-14T02:30:00)", datetime(2027, 1, 1, tzinfo=UTC), NY) is None


def test_fall_back_fires_a_repeated_time_once() -> None:
    start = datetime(2027, 11, 6, 12, 0, tzinfo=NY)
    first = next_fire("cron(30 1 * * ? *)", start, NY)
    assert first is not None
    assert first.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = next_fire("cron(30 1 * * ? *)", first, NY)
    assert second is not None  # not 01:30 EST an hour later: the next day
    assert second.astimezone(UTC) == datetime(2027, 11, 8, 6, 30, tzinfo=UTC)
    every_quarter = fires("cron(0/15 1 * * ? *)", datetime(2027, 11, 7, 0, 59, tzinfo=NY), NY, 5)
    assert every_quarter == [
        "2027-11-07 01:00 Sun", "2027-11-07 01:15 Sun", "2027-11-07 01:30 Sun",
        "2027-11-07 01:45 Sun", "2027-11-08 01:00 Mon",
    ]  # fmt: skip


def test_rates_count_elapsed_time() -> None:
    start = datetime(2027, 3, 13, 12, 0, tzinfo=NY)
    ahead = next_fire("rate(1 day)", start - timedelta(minutes=1), NY, start=start)
    assert ahead == start  # a start still ahead is the first fire
    nxt = next_fire("rate(1 day)", start, NY)
    assert nxt is not None
    # (in UTC: Python subtracts datetimes of one zone on the wall clock)
    assert nxt.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert nxt.hour == 13  # 24 hours later is 13:00 on the wall clock after spring-forward
    anchored = next_fire("rate(5 minutes)", start + timedelta(minutes=12), NY, start=start)
    assert anchored == start + timedelta(minutes=15)
    exact = next_fire("rate(5 minutes)", start + timedelta(minutes=10), NY, start=start)
    assert exact == start + timedelta(minutes=15)


def test_at_fires_once() -> None:
    when = datetime(2027, 6, 1, 8, 0, tzinfo=NY)
    assert next_fire("at(2027-06-01T08:00:00)", datetime(2027, 1, 1, tzinfo=UTC), NY) == when
    assert next_fire("at(2027-06-01T08:00:00)", when, NY) is None


def test_after_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire("rate(1 minute)", datetime(2027, 1, 1))
