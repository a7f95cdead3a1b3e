"""CloudWatch metrics rules that need no storage: datapoints, statistics, metric math.

    aggregate.py       Aggregate (one minute of one metric), combine (a Period)
    periods.py         Periods, StartTime rounding, retention, the 1,440-datapoint limit
    statistics.py      parse_statistic("p99" | "TM(10%:90%)" | ...) → Statistic
    series.py          Series: values on the request's shared timestamps
    math_parser.py     expression text → tree
    math_ops.py        operands and the arithmetic between them
    math_functions.py  SUM, AVG, RATE, FILL, IF, METRICS, SORT, ...
    metric_math.py     MathEvaluator: a GetMetricData request's expressions
    errors.py          InvalidParameterValue, InvalidParameterCombination, ValidationError
    requests.py        typed requests and results of the API
    put_rules.py       PutMetricData's rules; query_rules.py GetMetricData's
    store.py           CustomMetricStore: PutMetricData's datapoints, in memory, bounded
    service.py         MetricsService: the four operations over the store and AWS/Lambda

Standard library only, no I/O: the `AWS/Lambda` datapoints come from observe
(`cloudwatch_metrics.LambdaMetrics`), the wire from api/services/cloudwatch. See
docs/metric-math.md and docs/metrics.md.
"""

from nubis.control.cloudwatch.aggregate import Aggregate, combine
from nubis.control.cloudwatch.errors import InvalidParameterValueError, MetricValidationError
from nubis.control.cloudwatch.metric_math import MathEvaluator
from nubis.control.cloudwatch.series import Series
from nubis.control.cloudwatch.statistics import (
    Statistic,
    parse_extended_statistic,
    parse_statistic,
)

__all__ = [
    "Aggregate",
    "InvalidParameterValueError",
    "MathEvaluator",
    "MetricValidationError",
    "Series",
    "Statistic",
    "combine",
    "parse_extended_statistic",
    "parse_statistic",
]
