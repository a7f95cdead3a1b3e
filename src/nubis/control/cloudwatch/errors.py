"""CloudWatch (metrics) errors, with their wire names as the query protocol sends them.

InvalidParameterValueError   InvalidParameterValue  400  (GetMetricStatistics)
MetricValidationError        ValidationError        400  (GetMetricData: Stat, Expression)
"""

from __future__ import annotations

from typing import ClassVar

from nubis.model.errors import NubisError


class InvalidParameterValueError(NubisError):
    wire_type: ClassVar[str] = "InvalidParameterValue"
    status: ClassVar[int] = 400


class MetricValidationError(NubisError):
    wire_type: ClassVar[str] = "ValidationError"
    status: ClassVar[int] = 400


def bad_extended_statistic(value: str) -> InvalidParameterValueError:
    """GetMetricStatistics' ExtendedStatistics holds percentiles only."""
    return InvalidParameterValueError(
        f"The value {value} for parameter ExtendedStatistics is not supported. "
        "Specify a percentile between p0.0 and p100."
    )


def bad_stat(member: int) -> MetricValidationError:
    """GetMetricData's `MetricDataQueries.member.N.MetricStat.Stat` (N from 1)."""
    return MetricValidationError(
        f"The value for parameter MetricDataQueries.member.{member}.MetricStat.Stat "
        "is not a valid statistic."
    )


def bad_period() -> InvalidParameterValueError:
    return InvalidParameterValueError("The parameter Period must be a multiple of 60.")
