"""MetricsService on a FakeClock: PutMetricData's time and shape rules (nothing stored on
error), retention and bounds of the custom store, Lambda's datapoints through the same
statistics, GetMetricData's grid, ListMetrics' RecentlyActive."""

from __future__ import annotations

import asyncio

import pytest

from nubis.control.cloudwatch.aggregate import Aggregate
from nubis.control.cloudwatch.errors import (
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    MetricValidationError,
)
from nubis.control.cloudwatch.requests import (
    DataQuery,
    Datum,
    DimensionFilter,
    GetData,
    GetStatistics,
    ListRequest,
    Metric,
    MetricStat,
    PutData,
    StatisticSet,
)
from nubis.control.cloudwatch.service import InvalidNextTokenError, MetricsService
from nubis.control.cloudwatch.store import CustomMetricStore
from nubis.model.clock import FakeClock
from nubis.observe.cloudwatch_metrics import UNITS, LambdaMetrics
from nubis.observe.records import InvocationReport

T0 = 1_800_000_000.0  # a minute boundary
DAY = 86_400


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=T0)


@pytest.fixture
def service(clock: FakeClock) -> MetricsService:
    return MetricsService(clock)


def sums(
    service: MetricsService, metric: Metric, start: float, end: float, period: int = 60
) -> list[float]:
    points = service.get_statistics(GetStatistics(metric, start, end, period, ("Sum",)))
    return [p.values["Sum"] for p in points]


def test_timestamps_up_to_two_weeks_old_and_two_hours_ahead(
    service: MetricsService, clock: FakeClock
) -> None:
    old, ahead = T0 - 14 * DAY, T0 + 2 * 3600
    service.put_data(PutData("App", (Datum("M", timestamp=old, value=1.0),)))
    service.put_data(PutData("App", (Datum("M", timestamp=ahead, value=2.0),)))
    with pytest.raises(InvalidParameterValueError, match="two weeks in the past"):
        service.put_data(PutData("App", (Datum("M", timestamp=old - 1, value=1.0),)))
    with pytest.raises(InvalidParameterValueError, match="two hours in the future"):
        service.put_data(PutData("App", (Datum("M", timestamp=ahead + 1, value=1.0),)))
    assert sums(service, Metric("App", "M"), old, ahead + 60, DAY) == [1.0, 2.0]


def test_a_refused_call_stores_nothing(service: MetricsService) -> None:
    good, bad = Datum("Good", value=1.0), Datum("Bad", value=float("inf"))
    with pytest.raises(InvalidParameterValueError, match=r"MetricData\.member\.2\.Value"):
        service.put_data(PutData("App", (good, bad)))
    assert service.list_metrics(ListRequest(namespace="App")).metrics == ()


def test_shape_rules(service: MetricsService) -> None:
    both = Datum("M", value=1.0, statistic_values=StatisticSet(1, 1, 1, 1))
    with pytest.raises(InvalidParameterCombinationError, match="mutually exclusive"):
        service.put_data(PutData("App", (both,)))
    with pytest.raises(InvalidParameterValueError, match="same size"):
        service.put_data(PutData("App", (Datum("M", values=(1.0, 2.0), counts=(1.0,)),)))
    dims = tuple((f"d{i}", "v") for i in range(31))
    with pytest.raises(InvalidParameterValueError, match="Dimensions must not have a size"):
        service.put_data(PutData("App", (Datum("M", dims, value=1.0),)))
    with pytest.raises(InvalidParameterValueError, match="Unit"):
        service.put_data(PutData("App", (Datum("M", value=1.0, unit="Parsecs"),)))
    with pytest.raises(InvalidParameterValueError, match="Namespace"):
        service.put_data(PutData("AWS/EC2", (Datum("M", value=1.0),)))


def test_retention_drops_minutes_older_than_fifteen_days(
    service: MetricsService, clock: FakeClock
) -> None:
    service.put_data(PutData("App", (Datum("Old", value=1.0),)))
    clock.advance(15 * DAY + 60)
    service.put_data(PutData("App", (Datum("New", value=1.0),)))
    names = [m.metric_name for m in service.list_metrics(ListRequest("App")).metrics]
    assert names == ["New"]
    assert service.store.held == 1


def test_store_bound_evicts_oldest_minutes(clock: FakeClock) -> None:
    service = MetricsService(clock, store=CustomMetricStore(max_datapoints=3))
    for minute in range(5):
        at = T0 - 600 + minute * 60
        service.put_data(PutData("App", (Datum("M", timestamp=at, value=float(minute)),)))
    assert service.store.held == 3
    assert sums(service, Metric("App", "M"), T0 - 600, T0) == [2.0, 3.0, 4.0]


def test_statistic_sets_answer_no_percentiles(service: MetricsService) -> None:
    service.put_data(PutData("App", (Datum("M", statistic_values=StatisticSet(4, 10, 1, 4)),)))
    request = GetStatistics(Metric("App", "M"), T0 - 60, T0 + 60, 60, (), ("p50",))
    [point] = service.get_statistics(request)
    assert point.extended == {}


def test_lambda_datapoints_read_like_custom_ones(clock: FakeClock) -> None:
    lambda_metrics: LambdaMetrics[Aggregate] = LambdaMetrics(Aggregate)
    reports = [
        InvocationReport(T0 + i, f"r{i}", "fn", "$LATEST", d, 128, 30)
        for i, d in enumerate((5.0, 7.0, 100.0))
    ]
    asyncio.run(lambda_metrics.consume(reports))
    service = MetricsService(clock, lambda_metrics, UNITS)
    fn = (("FunctionName", "fn"),)
    request = GetStatistics(Metric("AWS/Lambda", "Duration", fn), T0, T0 + 60, 60, (), ("p50",))
    [point] = service.get_statistics(request)
    assert point.extended == {"p50": 7.0}
    assert point.unit == "Milliseconds"
    assert sums(service, Metric("AWS/Lambda", "Invocations", fn), T0, T0 + 60) == [3.0]
    seconds = GetStatistics(Metric("AWS/Lambda", "Duration", fn), T0, T0 + 60, 60, ("Sum",),
                            unit="Seconds")  # fmt: skip
    assert service.get_statistics(seconds) == []
    recent = service.list_metrics(ListRequest("AWS/Lambda", recently_active="PT3H")).metrics
    assert Metric("AWS/Lambda", "Errors", fn) in recent
    clock.advance(4 * 3600)
    assert service.list_metrics(ListRequest("AWS/Lambda", recently_active="PT3H")).metrics == ()
    assert service.list_metrics(ListRequest("AWS/Lambda")).metrics


def stat(qid: str, name: str, period: int = 60, stat_name: str = "Sum") -> DataQuery:
    return DataQuery(qid, MetricStat(Metric("App", name), period, stat_name))


def test_metric_data_aligns_periods_on_one_grid(service: MetricsService) -> None:
    data = tuple(Datum("M", timestamp=T0 - 300 + i * 60, value=1.0) for i in range(5))
    service.put_data(PutData("App", data))
    queries = (
        stat("fine", "M"),
        stat("coarse", "M", 120),
        DataQuery("s", expression="fine + coarse"),
    )
    page = service.get_data(GetData(queries, T0 - 300, T0, scan_by="TimestampAscending"))
    fine, coarse, total = page.results
    assert fine.values == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert coarse.timestamps == (T0 - 300, T0 - 180, T0 - 60)
    assert coarse.values == (2.0, 2.0, 1.0)
    assert total.values == (3.0, 1.0, 3.0, 1.0, 2.0)


def test_metric_data_rules(service: MetricsService) -> None:
    with pytest.raises(MetricValidationError, match="expected pattern"):
        service.get_data(GetData((stat("Bad", "M"),), T0 - 60, T0))
    with pytest.raises(MetricValidationError, match="duplicated"):
        service.get_data(GetData((stat("a", "M"), stat("a", "N")), T0 - 60, T0))
    with pytest.raises(MetricValidationError, match="Exactly one"):
        service.get_data(GetData((DataQuery("a"),), T0 - 60, T0))
    with pytest.raises(MetricValidationError, match="StartTime"):
        service.get_data(GetData((stat("a", "M"),), T0, T0))
    with pytest.raises(InvalidNextTokenError):
        service.get_data(GetData((stat("a", "M"),), T0 - 60, T0, next_token="nubis-99"))


def test_list_metrics_dimension_filter_without_value(service: MetricsService) -> None:
    service.put_data(
        PutData("App", (Datum("M", (("Stage", "a"),), value=1.0), Datum("M", value=1.0)))
    )
    page = service.list_metrics(ListRequest("App", dimensions=(DimensionFilter("Stage"),)))
    assert page.metrics == (Metric("App", "M", (("Stage", "a"),)),)
