"""Periods, StartTime rounding, retention and the datapoint limit (GetMetricStatistics'
reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html)."""

from __future__ import annotations

import pytest

from nubis.control.cloudwatch import Aggregate, parse_statistic
from nubis.control.cloudwatch.errors import (
    InvalidParameterCombinationError,
    InvalidParameterValueError,
)
from nubis.control.cloudwatch.periods import (
    DAY,
    check_request,
    minute_of,
    period_is_kept,
    periods,
    resolution_at,
    rollup,
    round_start,
)

NOW = 1796126400  # 2026-12-01T12:00:00Z


def minutes(values: dict[int, list[float]]) -> dict[int, Aggregate]:
    out = {}
    for ts, vs in values.items():
        agg = Aggregate()
        for v in vs:
            agg.add(v)
        out[ts] = agg
    return out


def test_round_start_by_age() -> None:
    """Under 15 days: the minute; 15 to 63 days: 5 minutes; beyond: the hour."""
    recent = NOW - 3600 + 34  # 12:32:34-like: 34 s past a minute
    assert round_start(recent, NOW) == recent - 34
    month = NOW - 20 * DAY + 7 * 60 + 5
    assert round_start(month, NOW) == month - (7 * 60 + 5) % 300
    old = NOW - 100 * DAY + 1234
    assert round_start(old, NOW) == old - 1234 % 3600


def test_resolution_and_retention() -> None:
    assert resolution_at(0) == 60
    assert resolution_at(15 * DAY - 1) == 60
    assert resolution_at(15 * DAY) == 300
    assert resolution_at(63 * DAY) == 3600
    assert resolution_at(455 * DAY) is None
    assert period_is_kept(NOW - DAY, NOW, 60)
    assert not period_is_kept(NOW - 20 * DAY, NOW, 60)  # no datapoints, not an error
    assert period_is_kept(NOW - 20 * DAY, NOW, 600)
    assert not period_is_kept(NOW - 500 * DAY, NOW, 3600)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (0, "The parameter Period must be greater than 0."),
        (-60, "The parameter Period must be greater than 0."),
        (90, "The parameter Period must be a multiple of 60."),
        (7, "The parameter Period must be a multiple of 60."),
    ],
)
def test_bad_period(period: int, message: str) -> None:
    with pytest.raises(InvalidParameterValueError) as caught:
        check_request(NOW - 3600, NOW, period)
    assert caught.value.message == message


def test_good_periods() -> None:
    for period in (1, 5, 10, 30, 60, 300, 86400):
        check_request(NOW - 600, NOW, period)


def test_time_range_and_datapoint_limit() -> None:
    with pytest.raises(InvalidParameterValueError, match="StartTime must be less"):
        check_request(NOW, NOW, 60)
    check_request(NOW - DAY, NOW, 60)  # exactly 1,440
    with pytest.raises(InvalidParameterCombinationError) as caught:
        check_request(NOW - DAY, NOW, 1)
    assert caught.value.wire_type == "InvalidParameterCombination"
    assert caught.value.message == (
        "You have requested up to 86400 datapoints, which exceeds the limit of 1440. "
        "You may reduce the datapoints requested by increasing Period, or decreasing "
        "the time range."
    )


def test_periods_combine_minutes_from_the_start() -> None:
    start = NOW - 600
    data = minutes(
        {
            start - 60: [999.0],  # before the range
            start: [1.0],
            start + 60: [2.0, 3.0],
            start + 300: [10.0],
            start + 540: [20.0],
            NOW: [999.0],  # EndTime is exclusive
        }
    )
    result = periods(data, start, NOW, 300)
    total = parse_statistic("Sum")
    count = parse_statistic("SampleCount")
    assert total is not None
    assert count is not None
    assert [(ts - start, total(a), count(a)) for ts, a in result] == [
        (0, 6.0, 3.0),
        (300, 30.0, 2.0),
    ]
    assert periods(data, start, NOW, 60)[1][0] == start + 60
    assert periods({}, start, NOW, 60) == []


def test_rollup_keeps_percentiles() -> None:
    base = NOW - NOW % 3600
    data = minutes({base + 60 * i: [float(i)] for i in range(60)})
    hours = rollup(data, 3600)
    assert list(hours) == [base]
    p50 = parse_statistic("p50")
    assert p50 is not None
    assert p50(hours[base]) == 29.0
    fives = rollup(data, 300)
    assert len(fives) == 12
    assert minute_of(NOW + 59.9) == NOW
