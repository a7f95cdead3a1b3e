"""Time series on a shared grid: the values metric math works on.

Every series of one GetMetricData request lives on the same ascending timestamps (epoch
seconds); a series is a tuple of values aligned to them, `None` where the metric has no
datapoint. A scalar is a float; an array of time series is a list of `Series`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Values = tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Series:
    values: Values
    label: str = ""
    id: str = ""
    period: int | None = None  # set on metrics (PERIOD() reads it), None on results

    def present(self) -> list[float]:
        return [v for v in self.values if v is not None]

    def with_values(self, values: Sequence[float | None]) -> Series:
        return Series(clean(values), self.label, self.id, None)


def clean(values: Sequence[float | None]) -> Values:
    """Non-finite results (division by zero, log of 0, overflow) are dropped points."""
    return tuple(v if v is not None and math.isfinite(v) else None for v in values)


def safe(fn: Callable[[float], float]) -> Callable[[float | None], float | None]:
    """`fn` on a present value; a value error or overflow drops the point."""

    def apply(value: float | None) -> float | None:
        if value is None:
            return None
        try:
            result = fn(value)
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        return result if isinstance(result, float | int) else None

    return apply
