"""One metric's datapoint for one minute: SampleCount, Sum, Minimum, Maximum and the values.

What AWS does: CloudWatch keeps enough of the raw values behind each datapoint to answer
percentiles, trimmed means and the like, and cannot answer them for a statistic set
(`StatisticValues`) unless it stands for one repeated value (SampleCount 1 with
Min = Max = Sum, or Min = Max with Sum = Min * SampleCount), nor when any value is
negative (the page "CloudWatch statistics definitions").

What Nubis does: the values are kept exactly, as (value, count) pairs, up to
`EXACT_LIMIT` distinct values per aggregate; past that the aggregate turns into a
histogram of logarithmic buckets 1 % wide (each value stands for the geometric middle
of its bucket, clamped to [Minimum, Maximum]: a relative error under 0.5 %), so memory
stays bounded however many invocations a minute has. SampleCount, Sum, Minimum and
Maximum stay exact in both forms. Aggregates are not thread-safe; `combine` makes a new
one (the datapoints of a Period) and leaves its inputs alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

EXACT_LIMIT = 4096
RATIO = 1.01
_LOG_RATIO = math.log(RATIO)


def bucket_of(value: float) -> float:
    """The representative of `value`'s histogram bucket (0 and negatives are exact)."""
    if value <= 0:
        return value
    index = math.floor(math.log(value) / _LOG_RATIO)
    return math.exp((index + 0.5) * _LOG_RATIO)


class Aggregate:
    __slots__ = (
        "_points",
        "_sorted",
        "distribution",
        "exact",
        "maximum",
        "minimum",
        "sample_count",
        "sum",
    )

    def __init__(self) -> None:
        self.sample_count = 0.0
        self.sum = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.exact = True  # False once the values were folded into buckets
        self.distribution = True  # False once a statistic set without values came in
        self._points: dict[float, float] = {}
        self._sorted: list[tuple[float, float]] | None = None

    def add(self, value: float, count: float = 1.0) -> None:
        """One value (PutMetricData `Value`, or `Values` with `Counts`). The API checks
        AWS's ranges first; a NaN, an infinity or a count of 0 or less is a bug (ValueError)."""
        if not math.isfinite(value) or not count > 0:
            raise ValueError(f"not a datapoint value: {value!r} x {count!r}")
        self._totals(count, value * count, value, value)
        self._sorted = None
        key = value if self.exact else bucket_of(value)
        self._points[key] = self._points.get(key, 0.0) + count
        if self.exact and len(self._points) > EXACT_LIMIT:
            self._fold()

    def add_statistic_set(self, count: float, total: float, low: float, high: float) -> None:
        """PutMetricData `StatisticValues`: only a repeated single value keeps the values."""
        if low == high and (count == 1 or math.isclose(total, low * count)):
            self.add(low, count)
            return
        self._totals(count, total, low, high)
        self.distribution = False

    def _totals(self, count: float, total: float, low: float, high: float) -> None:
        self.sample_count += count
        self.sum += total
        self.minimum = min(self.minimum, low)
        self.maximum = max(self.maximum, high)

    def _fold(self) -> None:
        folded: dict[float, float] = {}
        for value, count in self._points.items():
            key = bucket_of(value)
            folded[key] = folded.get(key, 0.0) + count
        self._points = folded
        self._sorted = None
        self.exact = False

    def points(self) -> list[tuple[float, float]]:
        """(value, count) in ascending order, values clamped to [Minimum, Maximum].
        Sorted once and kept until the next change (callers must not modify it)."""
        if self._sorted is None:
            ordered = [(v, self._points[v]) for v in sorted(self._points)]
            if not self.exact:  # bucket middles may lie past the true extremes
                low, high = self.minimum, self.maximum
                ordered = [(min(max(v, low), high), c) for v, c in ordered]
            self._sorted = ordered
        return self._sorted

    @property
    def has_values(self) -> bool:
        """Whether percentile-like statistics can be answered (AWS's two conditions)."""
        return self.distribution and self.sample_count > 0 and self.minimum >= 0

    def __repr__(self) -> str:
        return (
            f"Aggregate(n={self.sample_count}, sum={self.sum}, min={self.minimum}, "
            f"max={self.maximum}, exact={self.exact})"
        )


def combine(aggregates: Iterable[Aggregate]) -> Aggregate:
    """The aggregate of several (the one-minute datapoints of a Period)."""
    out = Aggregate()
    for agg in aggregates:
        if agg.sample_count == 0:
            continue
        out._totals(agg.sample_count, agg.sum, agg.minimum, agg.maximum)
        out.distribution = out.distribution and agg.distribution
        out.exact = out.exact and agg.exact
        for value, count in agg._points.items():
            out._points[value] = out._points.get(value, 0.0) + count
    if out.exact and len(out._points) > EXACT_LIMIT:
        out._fold()
    elif not out.exact:
        out._fold()  # bucket the exact values that came from exact inputs
    return out
