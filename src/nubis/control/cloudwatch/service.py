"""The CloudWatch metrics API's rules: PutMetricData, GetMetricStatistics, GetMetricData,
ListMetrics, over custom metrics (`CustomMetricStore`) and Lambda's own `AWS/Lambda`
datapoints (a `LambdaSource`: `observe.cloudwatch_metrics.LambdaMetrics` in `nubis
serve`).

    service = MetricsService(clock, lambda_source)
    service.put_data(PutData("MyApp", (Datum("Latency", value=12.0),)))
    service.get_statistics(GetStatistics(Metric("AWS/Lambda", "Invocations"), t0, t1, 60,
                                         ("Sum",)))       -> [StatisticsPoint, ...]
    service.get_data(GetData(queries, t0, t1))            -> DataPage
    service.list_metrics(ListRequest(namespace="AWS/Lambda"))  -> MetricsPage

Errors are AWS's (codes and texts: errors.py, put_rules.py, query_rules.py). Custom
metrics are in memory only (store.py): a restart forgets them. Event loop only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, Protocol

from nubis.control.cloudwatch import periods as P
from nubis.control.cloudwatch.aggregate import Aggregate, combine
from nubis.control.cloudwatch.errors import (
    InvalidParameterCombinationError,
    InvalidParameterValueError,
)
from nubis.control.cloudwatch.metric_math import MathEvaluator
from nubis.control.cloudwatch.put_rules import check_put
from nubis.control.cloudwatch.query_rules import check_queries, grid_period
from nubis.control.cloudwatch.requests import (
    DataPage,
    DataQuery,
    DataResult,
    Dimensions,
    GetData,
    GetStatistics,
    ListRequest,
    Metric,
    MetricsPage,
    PutData,
    StatisticsPoint,
)
from nubis.control.cloudwatch.series import Series
from nubis.control.cloudwatch.statistics import (
    Statistic,
    parse_extended_statistic,
    parse_statistic,
)
from nubis.control.cloudwatch.store import CustomMetricStore
from nubis.model.clock import Clock
from nubis.model.errors import NubisError

LAMBDA_NAMESPACE = "AWS/Lambda"
NO_UNIT = "None"
LIST_PAGE = 500
MAX_DATAPOINTS = 100_800
RECENT_SECONDS = 3 * 3600
MSG_NO_STATISTICS = (
    "At least one of the parameters Statistics and ExtendedStatistics must be specified."
)
MSG_BOTH_STATISTICS = (
    "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have "
    "specified both."
)
MSG_TOKEN = "The service couldn't process the NextToken."


class InvalidNextTokenError(NubisError):
    wire_type: ClassVar[str] = "InvalidNextToken"
    status: ClassVar[int] = 400


class LambdaSource(Protocol):
    """Lambda's one-minute datapoints (`LambdaMetrics`): by metric name and dimensions."""

    def datapoints(
        self, metric: str, dimensions: Dimensions, start: float, end: float
    ) -> Sequence[tuple[int, Aggregate]]: ...

    def metrics(self) -> Iterable[tuple[str, Dimensions]]: ...


class NoLambdaMetrics:
    def datapoints(
        self, metric: str, dimensions: Dimensions, start: float, end: float
    ) -> Sequence[tuple[int, Aggregate]]:
        return []

    def metrics(self) -> Iterable[tuple[str, Dimensions]]:
        return ()


class MetricsService:
    def __init__(
        self,
        clock: Clock,
        lambda_source: LambdaSource | None = None,
        lambda_units: Mapping[str, str] | None = None,
        store: CustomMetricStore | None = None,
    ) -> None:
        self._clock = clock
        self._lambda: LambdaSource = lambda_source or NoLambdaMetrics()
        self._lambda_units = dict(lambda_units or {})
        self.store = store or CustomMetricStore()

    # ------------------------------------------------------------ PutMetricData
    def put_data(self, request: PutData) -> None:
        """All of the call's data, or (on any error) none of it."""
        now = self._clock.time()
        check_put(request, now)
        for datum in request.data:
            dims = tuple(sorted(datum.dimensions))
            metric = Metric(request.namespace, datum.metric_name, dims)
            at = now if datum.timestamp is None else datum.timestamp
            agg = self.store.datapoint(metric, datum.unit or NO_UNIT, P.minute_of(at), now)
            if datum.value is not None:
                agg.add(datum.value)
            if datum.statistic_values is not None:
                s = datum.statistic_values
                agg.add_statistic_set(s.sample_count, s.total, s.minimum, s.maximum)
            counts = datum.counts or (1.0,) * len(datum.values)
            for value, count in zip(datum.values, counts, strict=True):
                if count > 0:
                    agg.add(value, count)

    # ------------------------------------------------------------ reading
    def _minutes(
        self, metric: Metric, unit: str | None, start: float, end: float
    ) -> tuple[dict[int, Aggregate], str]:
        """One aggregate per minute (units combined unless `unit` picks one), and the unit
        to report (the one unit present, else "None")."""
        if metric.namespace == LAMBDA_NAMESPACE:
            own = self._lambda_units.get(metric.metric_name, NO_UNIT)
            if unit is not None and unit != own:
                return {}, unit
            found = self._lambda.datapoints(metric.metric_name, metric.dimensions, start, end)
            return dict(found), own
        raw = self.store.datapoints(metric, unit, start, end)
        units = {u for _, _, u in raw}
        groups: dict[int, list[Aggregate]] = {}
        for minute, agg, _u in raw:
            groups.setdefault(minute, []).append(agg)
        merged = {m: aggs[0] if len(aggs) == 1 else combine(aggs) for m, aggs in groups.items()}
        return merged, unit or (units.pop() if len(units) == 1 else NO_UNIT)

    def _periods(
        self, metric: Metric, unit: str | None, start: int, end: float, period: int
    ) -> tuple[list[tuple[int, Aggregate]], str]:
        now = int(self._clock.time())
        if not P.period_is_kept(start, now, period):
            return [], unit or NO_UNIT
        minutes, shown = self._minutes(metric, unit, start, end)
        return P.periods(minutes, start, math.ceil(end), max(period, P.MINUTE)), shown

    # ------------------------------------------------------------ GetMetricStatistics
    def get_statistics(self, request: GetStatistics) -> list[StatisticsPoint]:
        if not request.statistics and not request.extended:
            raise InvalidParameterCombinationError(MSG_NO_STATISTICS)
        if request.statistics and request.extended:
            raise InvalidParameterCombinationError(MSG_BOTH_STATISTICS)
        simple = [_simple(name) for name in request.statistics]
        extended = [parse_extended_statistic(name) for name in request.extended]
        start, end = int(request.start), math.ceil(request.end)
        P.check_request(start, end, request.period)
        start = P.round_start(start, int(self._clock.time()))
        found, unit = self._periods(request.metric, request.unit, start, end, request.period)
        return [_point(ts, agg, simple, extended, unit) for ts, agg in found]

    # ------------------------------------------------------------ GetMetricData
    def get_data(self, request: GetData) -> DataPage:
        check_queries(request)
        now = int(self._clock.time())
        grid = grid_period(request.queries)
        start = P.round_start(int(request.start), now)
        timestamps = list(range(start, math.ceil(request.end), grid))
        metrics = [
            self._series(q, start, request.end, grid, len(timestamps))
            for q in request.queries
            if q.metric_stat
        ]
        expressions = {q.id: q.expression for q in request.queries if q.expression is not None}
        evaluator = MathEvaluator(timestamps, metrics, expressions)
        by_id = {s.id: s for s in metrics}
        results: list[DataResult] = []
        for q in request.queries:
            if not q.return_data:
                continue
            value = by_id[q.id] if q.metric_stat is not None else evaluator.evaluate(q.id)
            for series in value if isinstance(value, list) else [value]:
                results.append(_result(q, series, timestamps, request.scan_by))
        return _page(results, request.next_token, request.max_datapoints or MAX_DATAPOINTS)

    def _series(self, q: DataQuery, start: int, end: float, grid: int, size: int) -> Series:
        stat_request = q.metric_stat
        assert stat_request is not None
        statistic = parse_statistic(stat_request.stat)
        assert statistic is not None  # check_queries refused the others
        values: list[float | None] = [None] * size
        found, _unit = self._periods(
            stat_request.metric, stat_request.unit, start, end, stat_request.period
        )
        for ts, agg in found:
            index = (ts - start) // grid
            if 0 <= index < size:
                values[index] = statistic(agg)
        label = q.label or stat_request.metric.metric_name
        return Series(tuple(values), label, q.id, max(stat_request.period, P.MINUTE))

    # ------------------------------------------------------------ ListMetrics
    def list_metrics(self, request: ListRequest) -> MetricsPage:
        now = self._clock.time()
        recent = request.recently_active is not None
        held = self._all_metrics(now, recent)
        chosen = sorted(
            (m for m in held if _matches(m, request)),
            key=lambda m: (m.namespace, m.metric_name, m.dimensions),
        )
        offset = _offset(request.next_token, len(chosen))
        page = tuple(chosen[offset : offset + LIST_PAGE])
        more = offset + LIST_PAGE < len(chosen)
        return MetricsPage(page, _token(offset + LIST_PAGE) if more else None)

    def _all_metrics(self, now: float, recent: bool) -> list[Metric]:
        horizon = now - RECENT_SECONDS
        out = [m for m, last in self.store.metrics().items() if not recent or last >= horizon - 60]
        for name, dims in self._lambda.metrics():
            if recent and not self._lambda.datapoints(name, dims, horizon - 60, math.inf):
                continue
            out.append(Metric(LAMBDA_NAMESPACE, name, dims))
        return out


def _simple(name: str) -> Statistic:
    statistic = parse_statistic(name)
    if statistic is None or name not in ("SampleCount", "Sum", "Average", "Minimum", "Maximum"):
        raise InvalidParameterValueError(
            f"The value {name} for parameter Statistics is not supported."
        )
    return statistic


def _point(
    ts: int, agg: Aggregate, simple: list[Statistic], extended: list[Statistic], unit: str
) -> StatisticsPoint:
    values = {s.name: v for s in simple if (v := s(agg)) is not None}
    ext = {s.name: v for s in extended if (v := s(agg)) is not None}
    return StatisticsPoint(ts, values, ext, unit)


def _result(q: DataQuery, series: Series, timestamps: list[int], scan_by: str) -> DataResult:
    pairs = [(t, v) for t, v in zip(timestamps, series.values, strict=True) if v is not None]
    if scan_by != "TimestampAscending":
        pairs.reverse()
    label = q.label or series.label or q.id
    return DataResult(q.id, label, tuple(t for t, _ in pairs), tuple(v for _, v in pairs))


def _page(results: list[DataResult], token: str | None, limit: int) -> DataPage:
    """At most `limit` datapoints, counted over the results in order; the token says how
    many were returned before."""
    total = sum(len(r.values) for r in results)
    skip = _offset(token, total)
    out: list[DataResult] = []
    seen = taken = 0
    for r in results:
        lo = min(len(r.values), max(0, skip - seen))
        hi = min(len(r.values), lo + (limit - taken))
        seen += len(r.values)
        taken += hi - lo
        out.append(DataResult(r.id, r.label, r.timestamps[lo:hi], r.values[lo:hi], r.status))
    done = skip + taken
    if done < total:
        out = [DataResult(r.id, r.label, r.timestamps, r.values, "PartialData") for r in out]
    return DataPage(tuple(out), _token(done) if done < total else None)


def _matches(m: Metric, r: ListRequest) -> bool:
    if r.namespace is not None and m.namespace != r.namespace:
        return False
    if r.metric_name is not None and m.metric_name != r.metric_name:
        return False
    dims = dict(m.dimensions)
    return all(
        f.name in dims and (f.value is None or dims[f.name] == f.value) for f in r.dimensions
    )


_TOKEN_PREFIX = "nubis-"


def _token(offset: int) -> str:
    return f"{_TOKEN_PREFIX}{offset}"


def _offset(token: str | None, total: int) -> int:
    if token is None:
        return 0
    digits = token.removeprefix(_TOKEN_PREFIX)
    if not token.startswith(_TOKEN_PREFIX) or not digits.isdigit() or int(digits) > total:
        raise InvalidNextTokenError(MSG_TOKEN)
    return int(digits)


__all__ = ["LAMBDA_NAMESPACE", "InvalidNextTokenError", "LambdaSource", "MetricsService"]
