"""Time in CloudWatch metrics: Periods, rounding of StartTime, resolution by age.

From the GetMetricStatistics reference and the CloudWatch concepts page:
- a Period is 1, 5, 10, 30 or a multiple of 60 seconds; Nubis stores one-minute
  datapoints, so a Period under 60 returns each minute in the Period it starts in;
- StartTime is rounded down to the minute when under 15 days old, to 5 minutes up to
  63 days, to the hour beyond; datapoints are the Periods counted from there;
- data is kept at one-minute resolution for 15 days, at 5 minutes for 63 days and at
  one hour for 455 days (`resolution_at`; `rollup` turns minutes into the coarser
  datapoints as they age); a Period finer than what is kept for that age returns no
  datapoints (not an error);
- one GetMetricStatistics call returns at most 1,440 datapoints; asking for more is
  InvalidParameterCombination with AWS's message.
All times are epoch seconds (UTC); `now` is passed in (the injected clock).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from nubis.control.cloudwatch.aggregate import Aggregate, combine
from nubis.control.cloudwatch.errors import bad_period, bad_time_range, too_many_datapoints

MINUTE = 60
DAY = 86_400
MAX_DATAPOINTS = 1440
SUB_MINUTE = (1, 5, 10, 30)
RESOLUTIONS = ((15 * DAY, 60), (63 * DAY, 300), (455 * DAY, 3600))  # (age under, seconds)


def resolution_at(age: int) -> int | None:
    """The resolution data of this age is kept at, None once it has expired."""
    for limit, resolution in RESOLUTIONS:
        if age < limit:
            return resolution
    return None


def round_start(start: int, now: int) -> int:
    resolution = resolution_at(max(0, now - start)) or 3600
    return start - start % resolution


def check_request(start: int, end: int, period: int) -> None:
    """Period, time range and the 1,440-datapoint limit of one GetMetricStatistics call."""
    if period <= 0 or (period not in SUB_MINUTE and period % MINUTE):
        raise bad_period(period)
    if end <= start:
        raise bad_time_range()
    count = math.ceil((end - start) / period)
    if count > MAX_DATAPOINTS:
        raise too_many_datapoints(count, MAX_DATAPOINTS)


def period_is_kept(start: int, now: int, period: int) -> bool:
    """Whether data from `start` is still kept finely enough for `period`."""
    resolution = resolution_at(max(0, now - start))
    if resolution is None:
        return False
    return resolution == MINUTE or period % resolution == 0


def periods(
    datapoints: Mapping[int, Aggregate], start: int, end: int, period: int
) -> list[tuple[int, Aggregate]]:
    """The datapoints (keyed by the start of their minute) in [start, end), combined per
    Period counted from `start`; only Periods with data, in time order."""
    groups: dict[int, list[Aggregate]] = {}
    for ts, agg in datapoints.items():
        if start <= ts < end:
            groups.setdefault(start + (ts - start) // period * period, []).append(agg)
    return [(ts, combine(aggs)) for ts, aggs in sorted(groups.items())]


def rollup(datapoints: Mapping[int, Aggregate], resolution: int) -> dict[int, Aggregate]:
    """Minutes folded into datapoints of `resolution` seconds (300, 3600), clock-aligned."""
    groups: dict[int, list[Aggregate]] = {}
    for ts, agg in datapoints.items():
        groups.setdefault(ts - ts % resolution, []).append(agg)
    return {ts: combine(aggs) for ts, aggs in sorted(groups.items())}


def minute_of(timestamp: float) -> int:
    """The minute a value published at `timestamp` belongs to."""
    return int(timestamp // MINUTE * MINUTE)
