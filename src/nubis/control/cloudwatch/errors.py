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


class InvalidParameterCombinationError(NubisError):
    wire_type: ClassVar[str] = "InvalidParameterCombination"
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


def bad_period(period: int) -> InvalidParameterValueError:
    """Period: 1, 5, 10, 30 or a multiple of 60 (the texts emulators quote from AWS)."""
    if period <= 0:
        return InvalidParameterValueError("The parameter Period must be greater than 0.")
    return InvalidParameterValueError("The parameter Period must be a multiple of 60.")


def bad_time_range() -> InvalidParameterValueError:
    return InvalidParameterValueError(
        "The parameter StartTime must be less than the parameter EndTime."
    )


def too_many_datapoints(count: int, limit: int) -> InvalidParameterCombinationError:
    """AWS's text, as clients report it for GetMetricStatistics."""
    return InvalidParameterCombinationError(
        f"You have requested up to {count} datapoints, which exceeds the limit of {limit}. "
        "You may reduce the datapoints requested by increasing Period, or decreasing the "
        "time range."
    )
