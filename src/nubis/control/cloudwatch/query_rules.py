"""GetMetricData's rules on its queries (ValidationError, as AWS sends them; members named
`MetricDataQueries.member.N....`): ids unique and matching `^[a-z][a-zA-Z0-9_]*$`, each
query exactly one of MetricStat and Expression, a valid Stat and Period, StartTime before
EndTime, ScanBy one of its two values, MaxDatapoints positive."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nubis.control.cloudwatch import periods as P
from nubis.control.cloudwatch.errors import MetricValidationError, bad_stat
from nubis.control.cloudwatch.requests import DataQuery, GetData
from nubis.control.cloudwatch.statistics import parse_statistic

ID_PATTERN = re.compile(r"[a-z][a-zA-Z0-9_]*")
SCAN_BY = ("TimestampDescending", "TimestampAscending")
MAX_QUERIES = 500


def check_queries(request: GetData) -> None:
    if request.end <= request.start:
        raise MetricValidationError(
            "The parameter StartTime must be less than the parameter EndTime."
        )
    if request.scan_by not in SCAN_BY:
        raise MetricValidationError(
            f"The value {request.scan_by} for parameter ScanBy is not valid."
        )
    if request.max_datapoints is not None and request.max_datapoints <= 0:
        raise MetricValidationError("The parameter MaxDatapoints must be greater than 0.")
    if not request.queries:
        raise MetricValidationError("The parameter MetricDataQueries is required.")
    if len(request.queries) > MAX_QUERIES:
        raise MetricValidationError(
            f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}."
        )
    seen: set[str] = set()
    for index, q in enumerate(request.queries, 1):
        _check_query(q, index, seen)


def _check_query(q: DataQuery, index: int, seen: set[str]) -> None:
    at = f"MetricDataQueries.member.{index}"
    if not ID_PATTERN.fullmatch(q.id):
        raise MetricValidationError(
            f"The value {q.id} for parameter {at}.Id is not matching the expected pattern "
            "^[a-z][a-zA-Z0-9_]*$."
        )
    if q.id in seen:
        raise MetricValidationError(f"The value {q.id} for parameter {at}.Id is duplicated.")
    seen.add(q.id)
    if (q.metric_stat is None) == (q.expression is None):
        raise MetricValidationError(
            f"Exactly one element of the {at}.MetricStat or the {at}.Expression must be set."
        )
    if q.metric_stat is not None:
        if parse_statistic(q.metric_stat.stat) is None:
            raise bad_stat(index)
        _check_period(q.metric_stat.period, f"{at}.MetricStat.Period")
    if q.period is not None:
        _check_period(q.period, f"{at}.Period")


def _check_period(period: int, parameter: str) -> None:
    if period <= 0 or (period not in P.SUB_MINUTE and period % P.MINUTE):
        raise MetricValidationError(
            f"The parameter {parameter} must be 1, 5, 10, 30 or a multiple of 60."
        )


def grid_period(queries: Sequence[DataQuery]) -> int:
    """The spacing of the request's shared timestamps: the finest Period asked for, at
    least a minute (Nubis keeps one-minute datapoints)."""
    asked = [q.metric_stat.period for q in queries if q.metric_stat is not None]
    asked += [q.period for q in queries if q.expression is not None and q.period]
    return max(P.MINUTE, min(asked, default=P.MINUTE))
