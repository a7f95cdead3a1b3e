"""Lambda's CloudWatch metrics (`AWS/Lambda`) from the typed records, one minute at a time.

    QueueRecorder ─batch─▶ LambdaMetrics.consume_now ─▶ {minute: {(metric, dimensions): datapoint}}
                                                     (read by the CloudWatch API: `datapoints`)

What Lambda publishes, and what is folded here (docs/metrics.md says the same):

- `Invocations` (Count): 1 per invocation that ran (throttles excluded), success or error.
- `Errors` (Count): 1 per invocation that failed (the function's error, a crash, a timeout,
  a failed init), 0 per one that succeeded: `Sum` is Lambda's error count and `Average`
  the error rate.
- `Duration` (Milliseconds): the REPORT line's `Duration`.
- `Throttles` (Count): 1 per invocation refused (`TooManyRequestsException`).

each under Lambda's dimension sets: none (the account's total), `FunctionName`, and
`FunctionName` + `Resource` (`name` for $LATEST, `name:version` for a published version)
+ `ExecutedVersion` for a published version. A throttle has no version: it is counted
under none and `FunctionName`.

The datapoint of a (metric, dimensions, minute) is an aggregate the caller supplies
(`new_datapoint`, control's `Aggregate` in `nubis serve`: observe does not import
control), so every statistic the CloudWatch API answers is computed the one way it is
for PutMetricData. Memory is bounded: minutes older than `retention_minutes` before the
newest are dropped (CloudWatch keeps one-minute data 15 days), and so are the oldest
minutes while more than `max_datapoints` are held. Event loop only (not thread-safe).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from nubis.observe.records import InvocationReport, Record, Throttle

NAMESPACE = "AWS/Lambda"
INVOCATIONS, ERRORS, DURATION, THROTTLES = "Invocations", "Errors", "Duration", "Throttles"
UNITS = {INVOCATIONS: "Count", ERRORS: "Count", DURATION: "Milliseconds", THROTTLES: "Count"}
FUNCTION_NAME, RESOURCE, EXECUTED_VERSION = "FunctionName", "Resource", "ExecutedVersion"
LATEST = "$LATEST"

MINUTE = 60
RETENTION_MINUTES = 15 * 24 * 60
MAX_DATAPOINTS = 200_000
FOLD_EVERY = 2_000  # buffered records folded at once: a few ms of the loop at most

Dimensions = tuple[tuple[str, str], ...]  # (name, value) sorted by name
MetricKey = tuple[str, Dimensions]  # (metric name, dimensions)


class Datapoint(Protocol):
    def add(self, value: float, count: float = 1.0) -> None: ...


D = TypeVar("D", bound=Datapoint)


def dimension_sets(function: str, version: str | None) -> list[Dimensions]:
    """The dimension sets an invocation of `function` at `version` is counted under (none
    for a throttle's unknown version: the account's and the function's only)."""
    sets: list[Dimensions] = [(), ((FUNCTION_NAME, function),)]
    if version is None:
        return sets
    if version == LATEST:
        sets.append(((FUNCTION_NAME, function), (RESOURCE, function)))
    else:
        resource = f"{function}:{version}"
        sets.append(((FUNCTION_NAME, function), (RESOURCE, resource)))
        sets.append(((EXECUTED_VERSION, version), (FUNCTION_NAME, function), (RESOURCE, resource)))
    return sets


class LambdaMetrics(Generic[D]):
    """A recorder `Subscriber` keeping `AWS/Lambda` one-minute datapoints in memory."""

    def __init__(
        self,
        new_datapoint: Callable[[], D],
        retention_minutes: int = RETENTION_MINUTES,
        max_datapoints: int = MAX_DATAPOINTS,
    ) -> None:
        self._new = new_datapoint
        self._retention_s = retention_minutes * MINUTE
        self._max = max_datapoints
        self._minutes: dict[int, dict[MetricKey, D]] = {}
        self._order: list[int] = []  # the keys of `_minutes`, ascending
        self._held = 0  # datapoints in `_minutes`
        self.dropped = 0  # datapoints of records older than the retention when they came
        # Records not yet folded into datapoints: (minute, function, version) -> durations
        # (a failed invocation's as -1 - duration), (minute, function) -> throttles.
        self._runs: dict[tuple[int, str, str | None], list[float]] = {}
        self._throttles: dict[tuple[int, str], int] = {}
        self._waiting = 0
        self._newest = 0  # the newest minute of a record consumed

    async def consume(self, records: Sequence[Record]) -> None:
        self.consume_now(records)

    def consume_now(self, records: Sequence[Record]) -> None:
        """An `InlineSubscriber`: the recorder calls this in its hand-over."""
        # This runs for every invocation, on the loop that serves them: a record only
        # lands in a small buffer (a list append); the datapoints (about 9 per invocation)
        # are folded from it in bulk, counts added once per (function, version), when a
        # read needs them or when `FOLD_EVERY` records are waiting (a bounded step).
        for r in records:
            if not isinstance(r, InvocationReport | Throttle):
                continue
            minute = int(r.at // MINUTE) * MINUTE
            if minute > self._newest:
                self._newest = minute
            elif minute <= self._newest - self._retention_s:  # past the retention already
                version = r.version if isinstance(r, InvocationReport) else None
                per_set = 3 if isinstance(r, InvocationReport) else 1
                self.dropped += per_set * len(dimension_sets(r.function_name, version))
                continue
            if isinstance(r, InvocationReport):
                key = (minute, r.function_name, r.version)
                runs = self._runs.get(key)
                if runs is None:
                    runs = self._runs[key] = []
                runs.append(r.duration_ms if r.error_type is None else -1.0 - r.duration_ms)
            else:
                tkey = (minute, r.function_name)
                self._throttles[tkey] = self._throttles.get(tkey, 0) + 1
            self._waiting += 1
        if self._waiting >= FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        """Move the buffered records into the datapoints (see `consume`)."""
        runs, self._runs = self._runs, {}
        throttles, self._throttles = self._throttles, {}
        self._waiting = 0
        for (minute, function, version), values in runs.items():  # as they came
            sets = dimension_sets(function, version)
            points = self._minute(minute, 3 * len(sets) * len(values))
            if points is None:
                continue
            durations = [v if v >= 0 else -1.0 - v for v in values]
            failed = sum(1 for v in values if v < 0)
            for dims in sets:
                self._add(points, (INVOCATIONS, dims), 1.0, len(values))
                if failed:
                    self._add(points, (ERRORS, dims), 1.0, failed)
                if failed < len(values):
                    self._add(points, (ERRORS, dims), 0.0, len(values) - failed)
                self._add_all(points, (DURATION, dims), durations)
        for (minute, function), count in throttles.items():
            sets = dimension_sets(function, None)
            points = self._minute(minute, len(sets) * count)
            if points is None:
                continue
            for dims in sets:
                self._add(points, (THROTTLES, dims), 1.0, count)
        if self._held > self._max:
            self._evict()

    def _minute(self, at: float, datapoints: int) -> dict[MetricKey, D] | None:
        """The datapoints of `at`'s minute (created, evicting what has aged out, when
        new); None, with `datapoints` counted as dropped, when it is past the retention."""
        minute = int(at // MINUTE) * MINUTE
        points = self._minutes.get(minute)
        if points is None:
            if self._order and minute <= self._order[-1] - self._retention_s:
                self.dropped += datapoints
                return None
            points = self._minutes[minute] = {}
            bisect.insort(self._order, minute)
            self._evict()
        return points

    def _point(self, points: dict[MetricKey, D], key: MetricKey) -> D:
        point = points.get(key)
        if point is None:
            point = points[key] = self._new()
            self._held += 1
        return point

    def _add(self, points: dict[MetricKey, D], key: MetricKey, value: float, n: int) -> None:
        self._point(points, key).add(value, float(n))

    def _add_all(self, points: dict[MetricKey, D], key: MetricKey, values: list[float]) -> None:
        add = self._point(points, key).add
        for value in values:
            add(value)

    def _evict(self) -> None:
        newest = self._order[-1]
        while len(self._order) > 1 and (
            self._order[0] <= newest - self._retention_s or self._held > self._max
        ):
            oldest = self._order.pop(0)
            self._held -= len(self._minutes.pop(oldest))

    def datapoints(
        self, metric: str, dimensions: Dimensions, start: float, end: float
    ) -> list[tuple[int, D]]:
        """(minute, datapoint) of one metric and dimension set with `start <= minute <
        end`, ascending; minutes without a datapoint are absent (as in CloudWatch)."""
        if self._waiting:
            self._fold()
        lo = bisect.bisect_left(self._order, start)
        hi = bisect.bisect_left(self._order, end)
        key = (metric, dimensions)
        found = ((m, self._minutes[m].get(key)) for m in self._order[lo:hi])
        return [(m, point) for m, point in found if point is not None]

    def metrics(self) -> set[MetricKey]:
        """Every (metric, dimensions) with a datapoint held (ListMetrics)."""
        if self._waiting:
            self._fold()
        return {key for points in self._minutes.values() for key in points}
