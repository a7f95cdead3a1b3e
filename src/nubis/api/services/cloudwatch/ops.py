"""CloudWatch metrics operations: wire parameters in, output members out. Translation
only; every rule is in `nubis.control.cloudwatch.service`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control.cloudwatch.requests import (
    DataQuery,
    DataResult,
    Datum,
    DimensionFilter,
    GetData,
    GetStatistics,
    ListRequest,
    Metric,
    MetricStat,
    PutData,
    StatisticSet,
    StatisticsPoint,
)
from nubis.control.cloudwatch.service import MetricsService

Members = dict[str, Any]


def _seconds(value: datetime) -> float:
    return value.timestamp()


def _time(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _pairs(dimensions: Sequence[Mapping[str, Any]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((d["Name"], d["Value"]) for d in dimensions or ())


def _metric(m: Mapping[str, Any]) -> Metric:
    return Metric(
        m.get("Namespace", ""), m.get("MetricName", ""), tuple(sorted(_pairs(m.get("Dimensions"))))
    )


def _datum(d: Mapping[str, Any]) -> Datum:
    s = d.get("StatisticValues")
    stats = None
    if s is not None:
        stats = StatisticSet(s["SampleCount"], s["Sum"], s["Minimum"], s["Maximum"])
    ts = d.get("Timestamp")
    return Datum(
        metric_name=d["MetricName"],
        dimensions=_pairs(d.get("Dimensions")),
        timestamp=None if ts is None else _seconds(ts),
        value=d.get("Value"),
        statistic_values=stats,
        values=tuple(d.get("Values") or ()),
        counts=tuple(d.get("Counts") or ()),
        unit=d.get("Unit"),
        storage_resolution=d.get("StorageResolution"),
    )


def _wire_point(p: StatisticsPoint) -> Members:
    out: Members = {"Timestamp": _time(p.timestamp), **p.values, "Unit": p.unit}
    if p.extended:
        out["ExtendedStatistics"] = dict(p.extended)
    return out


def _query(q: Mapping[str, Any]) -> DataQuery:
    stat = q.get("MetricStat")
    metric_stat = None
    if stat is not None:
        metric_stat = MetricStat(
            _metric(stat["Metric"]), stat["Period"], stat["Stat"], stat.get("Unit")
        )
    return DataQuery(
        id=q["Id"],
        metric_stat=metric_stat,
        expression=q.get("Expression"),
        label=q.get("Label"),
        return_data=q.get("ReturnData", True),
        period=q.get("Period"),
    )


def _wire_result(r: DataResult) -> Members:
    return {
        "Id": r.id,
        "Label": r.label,
        "Timestamps": [_time(t) for t in r.timestamps],
        "Values": list(r.values),
        "StatusCode": r.status,
        "Messages": [],
    }


def _wire_metric(m: Metric) -> Members:
    return {
        "Namespace": m.namespace,
        "MetricName": m.metric_name,
        "Dimensions": [{"Name": n, "Value": v} for n, v in m.dimensions],
    }


class MetricsOperations:
    def __init__(self, metrics: MetricsService) -> None:
        self._m = metrics
        self.handlers: dict[str, Handler] = {
            "PutMetricData": self.put_metric_data,
            "GetMetricStatistics": self.get_metric_statistics,
            "GetMetricData": self.get_metric_data,
            "ListMetrics": self.list_metrics,
        }

    async def put_metric_data(self, request: OperationRequest) -> OperationResult:
        p = request.params
        data = [_datum(d) for d in p.get("MetricData") or ()]
        for entity in p.get("EntityMetricData") or ():
            data.extend(_datum(d) for d in entity.get("MetricData") or ())
        self._m.put_data(PutData(p["Namespace"], tuple(data)))
        return OperationResult({})

    async def get_metric_statistics(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = GetStatistics(
            metric=_metric(p),
            start=_seconds(p["StartTime"]),
            end=_seconds(p["EndTime"]),
            period=p["Period"],
            statistics=tuple(p.get("Statistics") or ()),
            extended=tuple(p.get("ExtendedStatistics") or ()),
            unit=p.get("Unit"),
        )
        points = self._m.get_statistics(r)
        return OperationResult(
            {"Label": r.metric.metric_name, "Datapoints": [_wire_point(x) for x in points]}
        )

    async def get_metric_data(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = GetData(
            queries=tuple(_query(q) for q in p["MetricDataQueries"]),
            start=_seconds(p["StartTime"]),
            end=_seconds(p["EndTime"]),
            next_token=p.get("NextToken"),
            scan_by=p.get("ScanBy") or "TimestampDescending",
            max_datapoints=p.get("MaxDatapoints"),
        )
        page = self._m.get_data(r)
        out: Members = {"MetricDataResults": [_wire_result(x) for x in page.results]}
        out["Messages"] = []
        if page.next_token is not None:
            out["NextToken"] = page.next_token
        return OperationResult(out)

    async def list_metrics(self, request: OperationRequest) -> OperationResult:
        p = request.params
        filters = tuple(
            DimensionFilter(d["Name"], d.get("Value")) for d in p.get("Dimensions") or ()
        )
        r = ListRequest(
            p.get("Namespace"), p.get("MetricName"), filters, p.get("NextToken"),
            p.get("RecentlyActive"),
        )  # fmt: skip
        page = self._m.list_metrics(r)
        out: Members = {"Metrics": [_wire_metric(m) for m in page.metrics]}
        if page.next_token is not None:
            out["NextToken"] = page.next_token
        return OperationResult(out)
