"""AWS's schedule expressions: what parses, what is refused and with which message."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nubis.events.schedules import (
    EVENTS,
    SCHEDULER,
    At,
    Cron,
    Rate,
    ScheduleExpressionError,
    parse_schedule,
)
from nubis.events.schedules.expressions import DayOfMonth, DayOfWeek
from nubis.model.errors import ValidationException

VALID = [
    # AWS's own examples (EventBridge "Schedule expressions for rules", Scheduler docs)
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 12 * * ? 2027)",
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 3W * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * FRI#3 *)",
    "cron(0 0 ? * fri-sat *)",
    "cron(30 2 ? * SUN,WED 2026-2030)",
    "cron(0 0 1,15 JAN-JUN ? *)",
    "cron(0 0 1/2 * ? *)",
    "cron(5-55/10 */2 * * ? *)",
    "cron(0 0 * DEC ? */2)",
    "cron(59 23 31 12 ? 2199)",
    "cron(0 0 1 1 ? 1970)",
    "cron(* * * * ? *)",
    "cron(0 0 ? * 1,2,3,4,5,6,7 *)",
    "cron(0 6 ? * 1-7 *)",
    "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
    "cron(30-30 13-13 ? * 2,4,6 *)",
    "cron(1-31/30 1-1 ? * 1,7 *)",
    "cron(0 0 ? * * *)",
    "cron(0 12 ? * 2-6 *)",
    "cron(0 0 1 JAN ? *)",
    "cron(0 0 1 jan ? *)",
    "cron(15 10 ? * 6L 2027-2030)",
    "cron(0 0 ? * 2#5 *)",
    "cron(0 0 28-31 * ? *)",
    "cron(0,30 * * * ? *)",
    "cron(0 */3 * * ? *)",
    "cron(0 0 */7 * ? *)",
    "cron(0 0 ? * SUN#1 *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(2 hours)",
    "rate(30 days)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "rate(1000 minutes)",
]

INVALID = [
    "rate(1 minutes)",  # 1 takes the singular
    "rate(5 minute)",  # more takes the plural
    "rate(1 hours)",
    "rate(2 day)",
    "rate(0 minutes)",
    "rate(-1 minutes)",
    "rate(1.5 hours)",
    "rate(5 seconds)",
    "rate(5 weeks)",
    "rate(5  minutes)",
    "rate(5minutes)",
    "rate 5 minutes",
    "RATE(5 minutes)",
    "rate()",
    "cron(0 10 * * *)",  # five fields: classic cron
    "cron(0 10 * * ? * *)",
    "cron(0 10 * * * *)",  # neither day field is ?
    "cron(0 10 ? * ? *)",  # both are
    "cron(7 20 * * 1-7 *)",  # AWS refuses this one (recorded by LocalStack)
    "cron(15 12 ? * -1 *)",  # and this one (winglang issue 7115)
    "cron(60 10 * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 10 0 * ? *)",
    "cron(0 10 32 * ? *)",
    "cron(0 10 * 0 ? *)",
    "cron(0 10 * 13 ? *)",
    "cron(0 10 ? * 0 *)",  # day-of-week is 1-7
    "cron(0 10 ? * 8 *)",
    "cron(0 10 * * ? 1969)",
    "cron(0 10 * * ? 2200)",
    "cron(0 10 * FOO ? *)",
    "cron(0 10 ? * MOO *)",
    "cron(0 10 ? * MON/2 *)",  # no step in day-of-week
    "cron(0 10 ? * 2#0 *)",
    "cron(0 10 ? * 2#6 *)",
    "cron(0 10 ? * #2 *)",
    "cron(0 10 ? * 2L,3 *)",
    "cron(0 10 ? * SUN#1,MON *)",  # # and L stand alone
    "cron(0 10 ? * FRI-MON *)",  # ranges do not wrap
    "cron(0 10 L-2 * ? *)",
    "cron(0 10 1,L * ? *)",
    "cron(0 10 1-5W * ? *)",
    "cron(0 10 32W * ? *)",
    "cron(10-5 * * * ? *)",  # ranges do not run backwards
    "cron(0/0 * * * ? *)",
    "cron(*/ * * * ? *)",
    "cron(0 10  * * ? *)",
    "cron(a b c d e f)",
    "cron()",
    "cron(0 10 * * ? *",
    "at(2027-01-01T00:00:00)",  # a Scheduler expression (refused by rules)
    "",
    "every 5 minutes",
]

SCHEDULER_INVALID = [
    "at(2027-02-30T00:00:00)",
    "at(2027-13-01T00:00:00)",
    "at(2027-01-01T24:00:00)",
    "at(2027-01-01 00:00:00)",
    "at(2027-01-01T00:00)",
    "at(27-01-01T00:00:00)",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_for_both_services(text: str) -> None:
    assert parse_schedule(text, EVENTS) == parse_schedule(text, SCHEDULER)


@pytest.mark.parametrize("text", INVALID)
def test_refused_by_eventbridge_with_its_message(text: str) -> None:
    with pytest.raises(ScheduleExpressionError) as refused:
        parse_schedule(text, EVENTS)
    error = refused.value
    assert isinstance(error, ValidationException)
    assert error.wire_type == "ValidationException"
    assert error.status == 400
    assert error.message == "Parameter ScheduleExpression is not valid."
    assert error.reason


@pytest.mark.parametrize(
    "text", [t for t in INVALID if not t.startswith("at(")] + SCHEDULER_INVALID
)
def test_refused_by_scheduler_with_its_message(text: str) -> None:
    with pytest.raises(ScheduleExpressionError) as refused:
        parse_schedule(text, SCHEDULER)
    assert refused.value.message == f"Invalid Schedule Expression {text}."


def test_the_count_of_expressions() -> None:
    assert len(VALID) + len(INVALID) + len(SCHEDULER_INVALID) >= 100


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("rate(1 minute)", Rate(1, "minute")),
        ("rate(5 minutes)", Rate(5, "minute")),
        ("rate(1 hour)", Rate(1, "hour")),
        ("rate(3 days)", Rate(3, "day")),
    ],
)
def test_rates(text: str, rate: Rate) -> None:
    assert parse_schedule(text) == rate
    assert rate.interval == timedelta(**{f"{rate.unit}s": rate.value})


def test_cron_fields() -> None:
    cron = parse_schedule("cron(0/20 8-10,14 ? jan,JUL-AUG MON-FRI 2027/2)")
    assert isinstance(cron, Cron)
    assert cron.minutes == {0, 20, 40}
    assert cron.hours == {8, 9, 10, 14}
    assert cron.day_of_month is None
    assert cron.months == {1, 7, 8}
    assert cron.day_of_week == DayOfWeek(days=frozenset({2, 3, 4, 5, 6}))
    assert cron.years == set(range(2027, 2200, 2))


@pytest.mark.parametrize(
    ("text", "dom", "dow"),
    [
        ("cron(0 0 L * ? *)", DayOfMonth(last=True), None),
        ("cron(0 0 LW * ? *)", DayOfMonth(last_weekday=True), None),
        ("cron(0 0 15W * ? *)", DayOfMonth(nearest_weekday=15), None),
        ("cron(0 0 1-7/3 * ? *)", DayOfMonth(days=frozenset({1, 4, 7})), None),
        ("cron(0 0 ? * L *)", None, DayOfWeek(days=frozenset({7}))),
        ("cron(0 0 ? * 5L *)", None, DayOfWeek(last_of=5)),
        ("cron(0 0 ? * THUL *)", None, DayOfWeek(last_of=5)),
        ("cron(0 0 ? * 3#2 *)", None, DayOfWeek(nth=(3, 2))),
        ("cron(0 0 ? * SUN *)", None, DayOfWeek(days=frozenset({1}))),
        ("cron(0 0 ? * SAT *)", None, DayOfWeek(days=frozenset({7}))),
    ],
)
def test_special_day_forms(text: str, dom: DayOfMonth | None, dow: DayOfWeek | None) -> None:
    cron = parse_schedule(text)
    assert isinstance(cron, Cron)
    assert (cron.day_of_month, cron.day_of_week) == (dom, dow)


def test_at_is_a_wall_clock_time() -> None:
    assert parse_schedule("at(2027-03-14T02:30:00)", SCHEDULER) == At(datetime(2027, 3, 14, 2, 30))
