"""Statistics by name on known values, from the page "CloudWatch statistics definitions"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html),
its syntax rules, and GetMetricStatistics/GetMetricData validation."""

from __future__ import annotations

import math
import random

import pytest

from nubis.control.cloudwatch import (
    Aggregate,
    InvalidParameterValueError,
    combine,
    parse_extended_statistic,
    parse_statistic,
)
from nubis.control.cloudwatch.aggregate import EXACT_LIMIT
from nubis.control.cloudwatch.errors import bad_period, bad_stat


def one_to_hundred() -> Aggregate:
    agg = Aggregate()
    for v in range(1, 101):
        agg.add(float(v))
    return agg


# (statistic, expected over the values 1..100); each line restates the page's definition
TABLE = [
    ("SampleCount", 100.0),
    ("Sum", 5050.0),
    ("Average", 50.5),  # Sum/SampleCount
    ("Minimum", 1.0),
    ("Maximum", 100.0),
    ("p95", 95.0),  # 95 % of the data is at or below it
    ("p50", 50.0),
    ("p99.5", 100.0),  # nearest rank: ceil(99.5) = 100th value
    ("p0", 1.0),
    ("p100", 100.0),
    ("p12.34", 13.0),
    ("tm90", 45.5),  # average after removing the 10 % highest
    ("tm99", 50.0),  # the same as TM(:99%)
    ("TM(:99%)", 50.0),
    ("TM(2%:98%)", 50.5),  # removing the 2 % lowest and the 2 % highest
    ("TM(10%:)", 55.5),  # disregards the lowest 10 %
    ("TM(10%:99%)", 55.0),
    ("TM(150:1000)", None),  # no value above 150
    ("TM(50:60)", 55.5),  # values above 50 (exclusive) up to 60 (inclusive): 51..60
    ("IQM", 50.5),  # TM(25%:75%): 26..75
    ("TM(25%:75%)", 50.5),
    ("wm98", 50.47),  # the 2 % highest count as the 98th percentile's value
    ("WM(10%:90%)", 50.5),  # lowest 10 % as the 10 % boundary, highest as the 90 %
    ("WM(:50)", 37.75),  # fixed bounds: values above 50 count as 50
    ("PR(:30)", 30.0),  # % of values of 30 or less
    ("PR(10:20)", 10.0),  # between 10 (exclusive) and 20 (inclusive)
    ("PR(100:)", 0.0),
    ("tc90", 90.0),  # count without the highest 10 %
    ("TC(0.005:0.030)", 0.0),
    ("TC(80:500)", 20.0),  # 81..100
    ("TC(:0.5)", 0.0),
    ("ts90", 4095.0),  # sum without the highest 10 %
    ("TS(80%:)", 1810.0),  # sum without the lowest 80 %
]


@pytest.mark.parametrize(("name", "expected"), TABLE, ids=[n for n, _ in TABLE])
def test_statistic(name: str, expected: float | None) -> None:
    statistic = parse_statistic(name)
    assert statistic is not None
    value = statistic(one_to_hundred())
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected)


def test_trimmed_count_boundaries_on_fractions() -> None:
    """TC(0.005:0.030): values above 0.005 (exclusive) up to 0.030 (inclusive)."""
    agg = Aggregate()
    for v in (0.001, 0.005, 0.006, 0.030, 0.031):
        agg.add(v)
    statistic = parse_statistic("TC(0.005:0.030)")
    assert statistic is not None
    assert statistic(agg) == 2.0


INVALID = [
    "P95",  # percentiles are lower case
    "TM99",  # "only be abbreviated using lowercase letters when ... only one number"
    "tm(1:2)",  # ranges are upper case
    "TM(:)",
    "TM(1%:2)",  # a percentage and a value
    "PR(1%:2%)",  # percentile rank takes values
    "p101",
    "p100.5",
    "TM(90%:10%)",
    "TM(10:5)",
    "tm101",
    "p95.12345678901",  # more than 10 decimals
    "average",
    "Avg",
    "",
    "TM(%:5%)",
    "IQM(1:2)",
]


@pytest.mark.parametrize("name", INVALID)
def test_invalid_statistic(name: str) -> None:
    assert parse_statistic(name) is None


def test_extended_statistics_take_percentiles_only() -> None:
    assert parse_extended_statistic("p99.9").name == "p99.9"
    for name in ("tm99", "Average", "p101", "IQM"):
        with pytest.raises(InvalidParameterValueError) as caught:
            parse_extended_statistic(name)
        assert caught.value.wire_type == "InvalidParameterValue"
        assert caught.value.message == (
            f"The value {name} for parameter ExtendedStatistics is not supported. "
            "Specify a percentile between p0.0 and p100."
        )


def test_validation_messages() -> None:
    error = bad_stat(3)
    assert (error.wire_type, error.status) == ("ValidationError", 400)
    assert error.message == (
        "The value for parameter MetricDataQueries.member.3.MetricStat.Stat "
        "is not a valid statistic."
    )
    assert bad_period(90).wire_type == "InvalidParameterValue"


def test_statistic_sets_answer_percentiles_only_for_one_repeated_value() -> None:
    """The page's two conditions for statistic sets."""
    p50 = parse_statistic("p50")
    assert p50 is not None
    single = Aggregate()
    single.add_statistic_set(1, 7.0, 7.0, 7.0)  # SampleCount 1, Min = Max = Sum
    assert p50(single) == 7.0
    repeated = Aggregate()
    repeated.add_statistic_set(4, 20.0, 5.0, 5.0)  # Min = Max, Sum = Min * SampleCount
    assert p50(repeated) == 5.0
    spread = Aggregate()
    spread.add_statistic_set(4, 20.0, 1.0, 9.0)
    assert p50(spread) is None
    average = parse_statistic("Average")
    assert average is not None
    assert average(spread) == 5.0
    spread.add(3.0)
    assert p50(spread) is None  # one statistic set without values taints the datapoint


def test_no_percentiles_with_negative_values() -> None:
    agg = Aggregate()
    for v in (-1.0, 2.0, 3.0):
        agg.add(v)
    p50, minimum = parse_statistic("p50"), parse_statistic("Minimum")
    assert p50 is not None
    assert minimum is not None
    assert p50(agg) is None
    assert minimum(agg) == -1.0


def test_values_with_counts() -> None:
    agg = Aggregate()
    agg.add(10.0, count=9)
    agg.add(1000.0, count=1)
    p90, p91 = parse_statistic("p90"), parse_statistic("p91")
    assert p90 is not None
    assert p91 is not None
    assert (p90(agg), p91(agg), agg.sample_count, agg.sum) == (10.0, 1000.0, 10.0, 1090.0)


def test_empty_aggregate_has_no_statistics() -> None:
    for name in ("Sum", "SampleCount", "p50", "TC(1:2)"):
        statistic = parse_statistic(name)
        assert statistic is not None
        assert statistic(Aggregate()) is None


def test_period_combines_minutes_exactly() -> None:
    rng = random.Random(7)
    minutes = []
    everything: list[float] = []
    for _ in range(5):
        agg = Aggregate()
        for _ in range(200):
            v = round(rng.uniform(1, 900), 3)
            agg.add(v)
            everything.append(v)
        minutes.append(agg)
    period = combine(minutes)
    everything.sort()
    p99 = parse_statistic("p99")
    assert p99 is not None
    assert period.exact
    assert period.sample_count == 1000
    assert p99(period) == everything[math.ceil(0.99 * 1000) - 1]
    assert period.sum == pytest.approx(math.fsum(everything))
    assert minutes[0].sample_count == 200  # inputs untouched


def test_many_distinct_values_fold_into_one_percent_buckets() -> None:
    rng = random.Random(11)
    agg = Aggregate()
    values = [rng.lognormvariate(3, 1) for _ in range(EXACT_LIMIT * 3)]
    for v in values:
        agg.add(v)
    assert not agg.exact
    values.sort()
    for p in (50.0, 90.0, 99.0, 99.9):
        statistic = parse_statistic(f"p{p}")
        assert statistic is not None
        exact = values[math.ceil(p * len(values) / 100) - 1]
        assert statistic(agg) == pytest.approx(exact, rel=0.006)
    minimum, maximum = parse_statistic("Minimum"), parse_statistic("Maximum")
    assert minimum is not None
    assert maximum is not None
    assert (minimum(agg), maximum(agg)) == (values[0], values[-1])  # still exact
    p100 = parse_statistic("p100")
    assert p100 is not None
    assert p100(agg) <= values[-1]  # clamped to Maximum


@pytest.mark.parametrize(("value", "count"), [(math.nan, 1), (math.inf, 1), (1.0, 0), (1.0, -2)])
def test_aggregate_refuses_what_the_api_never_passes(value: float, count: float) -> None:
    agg = Aggregate()
    with pytest.raises(ValueError, match="not a datapoint value"):
        agg.add(value, count)
    assert agg.sample_count == 0
