"""CloudWatch statistics by name: `parse_statistic("p99")(aggregate) -> float | None`.

The names of the page "CloudWatch statistics definitions" (GetMetricData's `Stat`,
alarms), case-sensitive as there:

    SampleCount  Sum  Average  Minimum  Maximum
    pNN  pNN.NN                  percentile (nearest rank), 0 ≤ NN ≤ 100
    tmNN wmNN tcNN tsNN          trimmed mean / winsorized mean / trimmed count /
                                 trimmed sum of the values up to the NN-th percentile
    TM(a:b) WM(a:b) TC(a:b) TS(a:b)  bounds as percentages (`10%:90%`) or as values
                                 (`150:1000`: above 150, up to 1000 included); either
                                 bound may be left out (`TM(:95%)`, `TS(80%:)`)
    PR(a:b)                      percentile rank: % of values above a, up to b
    IQM                          TM(25%:75%)

Numbers have up to 10 decimals. Percentage bounds are ranks: of n values sorted, the
ones whose rank r (from 1) has a·n/100 < r ≤ b·n/100 are kept. A statistic with nothing
to compute from is None (AWS leaves the datapoint's value out). Percentile-like
statistics need the values (`Aggregate.has_values`), as on AWS.

GetMetricStatistics' `ExtendedStatistics` takes percentiles only
(`parse_extended_statistic`); its `Statistics` is the five names (a service-model enum).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nubis.control.cloudwatch.aggregate import Aggregate
from nubis.control.cloudwatch.errors import bad_extended_statistic

SIMPLE = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_NUM = r"\d{1,3}(?:\.\d{1,10})?"
_PERCENTILE = re.compile(rf"p({_NUM})")
_SHORT = re.compile(rf"(tm|wm|tc|ts)({_NUM})")
_BOUND = r"(\d+(?:\.\d{1,10})?)?(%?)"
_RANGE = re.compile(rf"(TM|WM|TC|TS|PR)\({_BOUND}:{_BOUND}\)")


@dataclass(frozen=True, slots=True)
class Statistic:
    name: str
    compute: Callable[[Aggregate], float | None] = field(repr=False, compare=False)
    needs_values: bool = False

    def __call__(self, aggregate: Aggregate) -> float | None:
        if aggregate.sample_count == 0 or (self.needs_values and not aggregate.has_values):
            return None
        return self.compute(aggregate)


def parse_statistic(name: str) -> Statistic | None:
    """The statistic `name` stands for, or None when CloudWatch would not accept it."""
    if name in SIMPLE:
        return Statistic(name, _SIMPLE[name])
    if name == "IQM":
        return _ranged(name, "TM", 25.0, 75.0, percent=True)
    if (m := _PERCENTILE.fullmatch(name)) is not None:
        p = float(m.group(1))
        return Statistic(name, lambda a: percentile(a, p), True) if p <= 100 else None
    if (m := _SHORT.fullmatch(name)) is not None:
        high = float(m.group(2))
        return _ranged(name, m.group(1).upper(), 0.0, high, percent=True) if high <= 100 else None
    if (m := _RANGE.fullmatch(name)) is not None:
        return _from_range(name, m)
    return None


def parse_extended_statistic(name: str) -> Statistic:
    """GetMetricStatistics' ExtendedStatistics member: a percentile, or InvalidParameterValue."""
    statistic = parse_statistic(name) if name.startswith("p") else None
    if statistic is None:
        raise bad_extended_statistic(name)
    return statistic


def _from_range(name: str, m: re.Match[str]) -> Statistic | None:
    kind, low, low_pct, high, high_pct = m.groups()
    if low is None and high is None:
        return None
    percent = bool(low_pct or high_pct)
    if (low is not None and bool(low_pct) != percent) or (
        high is not None and bool(high_pct) != percent
    ):
        return None  # one bound a percentage, the other a value
    if (low_pct and low is None) or (high_pct and high is None):
        return None  # a `%` without a number
    if kind == "PR" and percent:
        return None
    lo = float(low) if low is not None else (0.0 if percent else -math.inf)
    hi = float(high) if high is not None else (100.0 if percent else math.inf)
    if (percent and not 0 <= lo <= hi <= 100) or lo > hi:
        return None
    return _ranged(name, kind, lo, hi, percent=percent)


def _ranged(name: str, kind: str, lo: float, hi: float, *, percent: bool) -> Statistic:
    def compute(agg: Aggregate) -> float | None:
        kept, below, above, total = _trim(agg, lo, hi, percent)
        return _RANGED[kind](kept, below, above, total, (lo, hi) if not percent else None)

    return Statistic(name, compute, True)


Points = list[tuple[float, float]]


def _trim(
    agg: Aggregate, lo: float, hi: float, percent: bool
) -> tuple[Points, float, float, float]:
    """The (value, count) pairs kept by the bounds, and the counts cut below and above."""
    points = agg.points()
    total = agg.sample_count
    kept: Points = []
    below = above = 0.0
    if not percent:
        for value, count in points:
            if value <= lo:
                below += count
            elif value > hi:
                above += count
            else:
                kept.append((value, count))
        return kept, below, above, total
    low_rank, high_rank = math.floor(lo * total / 100), math.floor(hi * total / 100)
    rank = 0.0
    for value, count in points:
        first, last = rank + 1, rank + count  # the ranks of this value's copies
        rank = last
        low_cut = min(count, max(0.0, low_rank - first + 1))
        high_cut = min(count - low_cut, max(0.0, last - high_rank))
        below, above = below + low_cut, above + high_cut
        if count > low_cut + high_cut:
            kept.append((value, count - low_cut - high_cut))
    return kept, below, above, total


def _mean(kept: Points, *_: object) -> float | None:
    n = sum(c for _, c in kept)
    return sum(v * c for v, c in kept) / n if n else None


def _count(kept: Points, *_: object) -> float | None:
    return sum(c for _, c in kept)


def _total(kept: Points, *_: object) -> float | None:
    return sum(v * c for v, c in kept) if kept else None


def _rank(kept: Points, _below: float, _above: float, total: float, _b: object) -> float | None:
    return 100.0 * sum(c for _, c in kept) / total if total else None


def _winsorized(
    kept: Points, below: float, above: float, _total: float, bounds: tuple[float, float] | None
) -> float | None:
    """Values cut below/above count as the lowest/highest kept value (or the bound)."""
    if not kept:
        return None
    low_value, high_value = (kept[0][0], kept[-1][0]) if bounds is None else bounds
    n = sum(c for _, c in kept) + below + above
    total = sum(v * c for v, c in kept)
    total += below * low_value if below else 0.0  # an open bound is ±inf: cut nothing
    total += above * high_value if above else 0.0
    return total / n


_RANGED: dict[
    str, Callable[[Points, float, float, float, tuple[float, float] | None], float | None]
]
_RANGED = {"TM": _mean, "TC": _count, "TS": _total, "PR": _rank, "WM": _winsorized}


def percentile(agg: Aggregate, p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    points = agg.points()
    target = max(1.0, math.ceil(p * agg.sample_count / 100 - 1e-9))
    seen = 0.0
    for value, count in points:
        seen += count
        if seen >= target:
            return value
    return points[-1][0]


_SIMPLE: dict[str, Callable[[Aggregate], float | None]] = {
    "SampleCount": lambda a: a.sample_count,
    "Sum": lambda a: a.sum,
    "Average": lambda a: a.sum / a.sample_count,
    "Minimum": lambda a: a.minimum,
    "Maximum": lambda a: a.maximum,
}
