"""Typed requests and results of the CloudWatch metrics API (what `MetricsService` takes
and returns): no wire dicts. Times are epoch seconds (UTC); dimensions are (name, value)
pairs sorted by name, the form `observe.cloudwatch_metrics` keys its datapoints by."""

from __future__ import annotations

from dataclasses import dataclass, field

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StatisticSet:
    sample_count: float
    total: float
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class Datum:
    """One `MetricDatum` of PutMetricData."""

    metric_name: str
    dimensions: tuple[tuple[str, str], ...] = ()  # as sent (duplicates are refused)
    timestamp: float | None = None  # None: now
    value: float | None = None
    statistic_values: StatisticSet | None = None
    values: tuple[float, ...] = ()
    counts: tuple[float, ...] = ()
    unit: str | None = None
    storage_resolution: int | None = None


@dataclass(frozen=True, slots=True)
class PutData:
    namespace: str
    data: tuple[Datum, ...]


@dataclass(frozen=True, slots=True)
class Metric:
    namespace: str
    metric_name: str
    dimensions: Dimensions = ()


@dataclass(frozen=True, slots=True)
class GetStatistics:
    metric: Metric
    start: float
    end: float
    period: int
    statistics: tuple[str, ...] = ()
    extended: tuple[str, ...] = ()
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class StatisticsPoint:
    timestamp: int
    values: dict[str, float]  # Statistics requested (those with a value)
    extended: dict[str, float]  # ExtendedStatistics requested (those with a value)
    unit: str


@dataclass(frozen=True, slots=True)
class MetricStat:
    metric: Metric
    period: int
    stat: str
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class DataQuery:
    """One `MetricDataQuery`: a MetricStat or a math Expression."""

    id: str
    metric_stat: MetricStat | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = True
    period: int | None = None


@dataclass(frozen=True, slots=True)
class GetData:
    queries: tuple[DataQuery, ...]
    start: float
    end: float
    next_token: str | None = None
    scan_by: str = "TimestampDescending"
    max_datapoints: int | None = None


@dataclass(frozen=True, slots=True)
class DataResult:
    id: str
    label: str
    timestamps: tuple[int, ...]
    values: tuple[float, ...]
    status: str = "Complete"


@dataclass(frozen=True, slots=True)
class DataPage:
    results: tuple[DataResult, ...]
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class DimensionFilter:
    name: str
    value: str | None = None  # None: any value of that dimension


@dataclass(frozen=True, slots=True)
class ListRequest:
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: tuple[DimensionFilter, ...] = field(default=())
    next_token: str | None = None
    recently_active: str | None = None  # "PT3H"


@dataclass(frozen=True, slots=True)
class MetricsPage:
    metrics: tuple[Metric, ...]
    next_token: str | None = None
