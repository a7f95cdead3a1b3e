"""The custom metrics of PutMetricData, in memory: one `Aggregate` per (metric, unit,
minute).

Bounded the way `observe.cloudwatch_metrics.LambdaMetrics` is: minutes more than the
retention (15 days, CloudWatch's for one-minute data) before `now` are dropped, and so
are the oldest minutes while more than `max_datapoints` are held. Not persisted: a
restart forgets custom metrics (docs/metrics.md says so). Event loop only (not
thread-safe).
"""

from __future__ import annotations

import bisect

from nubis.control.cloudwatch.aggregate import Aggregate
from nubis.control.cloudwatch.periods import MINUTE
from nubis.control.cloudwatch.requests import Metric

RETENTION_SECONDS = 15 * 86_400
MAX_DATAPOINTS = 200_000

Key = tuple[Metric, str]  # (metric, unit)


class CustomMetricStore:
    def __init__(
        self, retention_seconds: int = RETENTION_SECONDS, max_datapoints: int = MAX_DATAPOINTS
    ) -> None:
        self._retention = retention_seconds
        self._max = max_datapoints
        self._minutes: dict[int, dict[Key, Aggregate]] = {}
        self._order: list[int] = []  # keys of `_minutes`, ascending
        self._held = 0
        self._series: dict[Metric, dict[str, dict[int, Aggregate]]] = {}  # unit -> minute
        self._per_metric: dict[Metric, int] = {}  # datapoints held per metric
        self._last: dict[Metric, int] = {}  # newest minute with data per metric

    def datapoint(self, metric: Metric, unit: str, minute: int, now: float) -> Aggregate:
        """The aggregate to add to (created when new); evicts what the bounds say."""
        points = self._minutes.get(minute)
        if points is None:
            points = self._minutes[minute] = {}
            bisect.insort(self._order, minute)
        key = (metric, unit)
        agg = points.get(key)
        if agg is None:
            agg = points[key] = Aggregate()
            self._series.setdefault(metric, {}).setdefault(unit, {})[minute] = agg
            self._held += 1
            self._per_metric[metric] = self._per_metric.get(metric, 0) + 1
        if minute > self._last.get(metric, -1):
            self._last[metric] = minute
        self.evict(now, keep=minute)
        return agg

    def evict(self, now: float, keep: int | None = None) -> None:
        horizon = now - self._retention
        while self._order and (self._order[0] < horizon or self._held > self._max):
            if self._order[0] == keep and self._order[0] >= horizon:
                break  # the minute being written is never the one evicted for room
            oldest = self._order.pop(0)
            for metric, unit in self._minutes.pop(oldest):
                self._held -= 1
                units = self._series[metric]
                del units[unit][oldest]
                if not units[unit]:
                    del units[unit]
                left = self._per_metric[metric] - 1
                if left:
                    self._per_metric[metric] = left
                else:
                    del self._per_metric[metric], self._last[metric], self._series[metric]

    def datapoints(
        self, metric: Metric, unit: str | None, start: float, end: float
    ) -> list[tuple[int, Aggregate, str]]:
        """(minute, aggregate, unit) with `start <= minute < end`, ascending; every unit
        when `unit` is None."""
        units = self._series.get(metric, {})
        chosen = units.items() if unit is None else [(unit, units.get(unit, {}))]
        out = [
            (minute, agg, u)
            for u, minutes in chosen
            for minute, agg in minutes.items()
            if start <= minute < end
        ]
        out.sort(key=lambda item: item[0])
        return out

    def metrics(self) -> dict[Metric, int]:
        """Every metric with data held, and the newest minute it has data for."""
        return dict(self._last)

    @property
    def held(self) -> int:
        return self._held


__all__ = ["MAX_DATAPOINTS", "MINUTE", "RETENTION_SECONDS", "CustomMetricStore"]
