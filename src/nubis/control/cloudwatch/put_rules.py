"""PutMetricData's rules, with AWS's codes and texts (InvalidParameterValue,
InvalidParameterCombination; members named as the query protocol names them,
`MetricData.member.N.Value`, which is how AWS names them in every protocol).

- a namespace starting with `AWS/` is AWS's own: refused for custom data;
- at most 1,000 metrics per call, 30 dimensions per metric, no dimension name twice;
- exactly one of Value, StatisticValues, Values (with Counts of the same length, at most
  150 of them);
- values finite and within CloudWatch's range (magnitude up to 2^360; non-zero values
  at least 2^-260), counts not negative;
- Timestamp at most two weeks old and two hours ahead;
- Unit one of the model's, StorageResolution 1 or 60.
"""

from __future__ import annotations

import math

from nubis.control.cloudwatch.errors import (
    InvalidParameterCombinationError,
    InvalidParameterValueError,
)
from nubis.control.cloudwatch.requests import Datum, PutData

MAX_METRICS = 1000
MAX_DIMENSIONS = 30
MAX_VALUES = 150
MAX_AGE = 14 * 86_400
MAX_AHEAD = 2 * 3600
MAX_MAGNITUDE = 2.0**360
MIN_MAGNITUDE = 2.0**-260
RESERVED_PREFIX = "AWS/"
UNITS = frozenset(
    [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ]
)


def invalid(value: object, parameter: str) -> InvalidParameterValueError:
    return InvalidParameterValueError(f"The value {value} for parameter {parameter} is invalid.")


def too_many(collection: str, limit: int) -> InvalidParameterValueError:
    return InvalidParameterValueError(
        f"The collection {collection} must not have a size greater than {limit}."
    )


def check_put(request: PutData, now: float) -> None:
    if request.namespace.startswith(RESERVED_PREFIX):
        raise invalid(request.namespace, "Namespace")
    if len(request.data) > MAX_METRICS:
        raise too_many("MetricData", MAX_METRICS)
    for index, datum in enumerate(request.data, 1):
        check_datum(datum, f"MetricData.member.{index}", now)


def check_datum(d: Datum, at: str, now: float) -> None:
    if len(d.dimensions) > MAX_DIMENSIONS:
        raise too_many(f"{at}.Dimensions", MAX_DIMENSIONS)
    if len({name for name, _ in d.dimensions}) != len(d.dimensions):
        raise InvalidParameterValueError("No metric may specify the same dimension name twice.")
    given = [d.value is not None, d.statistic_values is not None, bool(d.values)]
    if sum(given) == 0:
        raise InvalidParameterCombinationError(
            f"At least one of the parameters {at}.Value and {at}.StatisticValues must be specified."
        )
    if sum(given) > 1:
        first, second = [
            n for n, g in zip(("Value", "StatisticValues", "Values"), given, strict=False) if g
        ][:2]
        raise InvalidParameterCombinationError(
            f"The parameters {at}.{first} and {at}.{second} are mutually exclusive and you "
            "have specified both."
        )
    _check_values(d, at)
    if d.timestamp is not None:
        if d.timestamp < now - MAX_AGE:
            raise InvalidParameterValueError(
                f"The parameter {at}.Timestamp must specify a time no more than two weeks in "
                "the past."
            )
        if d.timestamp > now + MAX_AHEAD:
            raise InvalidParameterValueError(
                f"The parameter {at}.Timestamp must specify a time no more than two hours in "
                "the future."
            )
    if d.unit is not None and d.unit not in UNITS:
        raise invalid(d.unit, f"{at}.Unit")
    if d.storage_resolution is not None and d.storage_resolution not in (1, 60):
        raise invalid(d.storage_resolution, f"{at}.StorageResolution")


def _check_values(d: Datum, at: str) -> None:
    if d.value is not None:
        _check_number(d.value, f"{at}.Value")
    if d.statistic_values is not None:
        s = d.statistic_values
        for name, v in (("SampleCount", s.sample_count), ("Sum", s.total),
                        ("Minimum", s.minimum), ("Maximum", s.maximum)):  # fmt: skip
            _check_number(v, f"{at}.StatisticValues.{name}")
        if s.sample_count <= 0:
            raise invalid(s.sample_count, f"{at}.StatisticValues.SampleCount")
        if s.minimum > s.maximum:
            raise InvalidParameterValueError(
                f"The parameter {at}.StatisticValues.Maximum must be greater than "
                f"{at}.StatisticValues.Minimum."
            )
    if len(d.values) > MAX_VALUES:
        raise too_many(f"{at}.Values", MAX_VALUES)
    if d.counts and len(d.counts) != len(d.values):
        raise InvalidParameterValueError(
            f"The parameters {at}.Values and {at}.Counts must be of the same size."
        )
    for i, v in enumerate(d.values, 1):
        _check_number(v, f"{at}.Values.member.{i}")
    for i, c in enumerate(d.counts, 1):
        if not math.isfinite(c) or c < 0:
            raise invalid(c, f"{at}.Counts.member.{i}")


def _check_number(value: float, parameter: str) -> None:
    magnitude = abs(value)
    if not math.isfinite(value) or magnitude > MAX_MAGNITUDE or 0 < magnitude < MIN_MAGNITUDE:
        raise invalid(value, parameter)
