"""Metric math on known series: every example of the page "Metric math syntax and
functions" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html)
with the series it produces here, the page's own tables (comparisons, IF) with its
results, and the errors."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from nubis.control.cloudwatch import MathEvaluator, MetricValidationError, Series

N = None
MONDAY_APRIL = 1711929600  # 2024-04-01T00:00:00Z, a Monday
GRID = [MONDAY_APRIL + 60 * i for i in range(4)]
Expected = Sequence[float | None] | list[Sequence[float | None]]


def metric(mid: str, values: Sequence[float | None], period: int = 60) -> Series:
    return Series(tuple(values), label=mid, id=mid, period=period)


DEFAULT = [metric("m1", [1, 2, N, 4]), metric("m2", [10, N, 30, 40])]


def run(expression: str, metrics: Sequence[Series] = DEFAULT, **others: str) -> object:
    grid = list(range(0, 60 * len(metrics[0].values), 60)) if metrics is not DEFAULT else GRID
    evaluator = MathEvaluator(grid, metrics, {"e": expression, **others})
    return evaluator.evaluate("e")


def same(actual: Sequence[float | None], expected: Sequence[float | None]) -> bool:
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected, strict=True):
        if (a is None) != (e is None):
            return False
        if a is not None and e is not None and not math.isclose(a, e, rel_tol=1e-9):
            return False
    return True


def check(result: object, expected: Expected) -> None:
    if isinstance(result, Series):
        assert same(result.values, expected), result.values  # type: ignore[arg-type]
        return
    assert isinstance(result, list)
    assert len(result) == len(expected)
    for series, values in zip(result, expected, strict=True):
        assert same(series.values, values), series.values  # type: ignore[arg-type]


LN = math.log
SD_M1 = math.sqrt(42 / 27)  # population standard deviation of 1, 2, 4
AVG_M2 = 80 / 3
M1, M2 = [1, 2, N, 4], [10, N, 30, 40]

# (expression, expected) over m1 = [1, 2, -, 4], m2 = [10, -, 30, 40] on a minute grid
TABLE: list[tuple[str, Expected]] = [
    # Basic arithmetic functions (missing counts as 0 between two series)
    ("PERIOD(m1)/60 * m1", [1, 2, N, 4]),
    ("5 * m1", [5, 10, N, 20]),
    ("m1 - m2", [-9, 2, -30, -36]),
    ("m1 + m2", [11, 2, 30, 44]),
    ("SUM(100/[m1, m2])", [110, 50, 100 / 30, 27.5]),
    ("METRICS()*100", [[100, 200, N, 400], [1000, N, 3000, 4000]]),
    ("METRICS()/100", [[0.01, 0.02, N, 0.04], [0.1, N, 0.3, 0.4]]),
    ("-5*m1", [-5, -10, N, -20]),
    ("-m1", [-1, -2, N, -4]),
    ("SUM(-[m1, m2])", [-11, -2, -30, -44]),
    ("m2 / m1", [10, 0, N, 10]),  # 30/0 at the third minute: dropped
    ("m1 / 0", [N, N, N, N]),
    ("m1 ^ 2", [1, 4, N, 16]),
    ("2 ^ 3 * m1", [8, 16, N, 32]),
    ("(m1 + 1) * 2 - m1 / 2", [3.5, 5, N, 8]),
    # Functions supported for metric math: the Examples column
    ("ABS(m1-m2)", [9, 2, 30, 36]),
    ("MIN(ABS([m1, m2]))", [1, 2, 30, 4]),
    ("ABS(METRICS())", [M1, M2]),
    ("SUM([m1,m2])/AVG(m2)", [11 / AVG_M2, 2 / AVG_M2, 30 / AVG_M2, 44 / AVG_M2]),
    ("AVG(METRICS())", [5.5, 1, 15, 22]),  # AVG of an array: missing counts as 0
    ("CEIL(m1 / 3)", [1, 1, N, 2]),
    ("CEIL(METRICS() / 3)", [[1, 1, N, 2], [4, N, 10, 14]]),
    ("SUM(CEIL(METRICS() / 3))", [5, 1, 10, 16]),
    ("m1 / DATAPOINT_COUNT(m1)", [1 / 3, 2 / 3, N, 4 / 3]),
    ("DATAPOINT_COUNT(METRICS())", [2, 1, 1, 2]),
    ("DIFF(m1)", [N, 1, N, 2]),
    ("DIFF_TIME(METRICS())", [[N, 60, N, 120], [N, N, 120, 60]]),
    ("FILL(m1,10)", [1, 2, 10, 4]),
    ("FILL(METRICS(), 0)", [[1, 2, 0, 4], [10, 0, 30, 40]]),
    ("FILL(METRICS(), m1)", [[1, 2, N, 4], [10, 2, 30, 40]]),
    ("FILL(m1, MIN(m1))", [1, 2, 1, 4]),
    ("FILL(m1, REPEAT)", [1, 2, 2, 4]),
    ("FILL(m2, REPEAT)", [10, 10, 30, 40]),
    ("FILL(METRICS(), LINEAR)", [[1, 2, 3, 4], [10, 20, 30, 40]]),
    ("IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)", [0, N, 0, 0]),
    ("IF(FIRST(SORT(METRICS(), AVG, DESC))>20, 1, 0)", [0, N, 1, 1]),
    ("LAST(SORT(METRICS(), AVG, DESC))", M1),
    ("FLOOR(m1 / 3)", [0, 0, N, 1]),
    ("FLOOR(METRICS() / 3)", [[0, 0, N, 1], [3, N, 10, 13]]),
    ("LOG(METRICS())", [[0, LN(2), N, LN(4)], [LN(10), N, LN(30), LN(40)]]),
    ("LOG(m1 - 1)", [N, 0, N, LN(3)]),  # log of 0 is dropped
    ("LOG10(m2)", [1, N, math.log10(30), math.log10(40)]),
    ("MAX(m1)/m1", [4, 2, N, 1]),
    ("MAX(METRICS())", [10, 2, 30, 40]),
    ("m1/METRIC_COUNT(METRICS())", [0.5, 1, N, 2]),
    ("m1-MIN(m1)", [0, 1, N, 3]),
    ("MIN(METRICS())", [1, 2, 30, 4]),
    ("m1 - AVG(m1)", [1 - 7 / 3, 2 - 7 / 3, N, 4 - 7 / 3]),
    ("MINUTE(m1)", [0, 1, 2, 3]),
    ("HOUR(m1)", [0, 0, 0, 0]),
    ("DAY(m1)", [1, 1, 1, 1]),  # Monday
    ("DATE(m1)", [1, 1, 1, 1]),
    ("MONTH(m1)", [4, 4, 4, 4]),
    ("YEAR(m1)", [2024, 2024, 2024, 2024]),
    ("EPOCH(m1)", GRID),
    # weekdays only / April only; a missing value of a true branch is 0 (the IF rules)
    ("IF(DAY(m1)<6,m1)", [1, 2, 0, 4]),
    ("IF(MONTH(m1) == 4,m1)", [1, 2, 0, 4]),
    ("IF(MONTH(m1) == 5,m1)", [N, N, N, N]),
    ("m1/PERIOD(m1)", [1 / 60, 2 / 60, N, 4 / 60]),
    ("RATE(m1)", [N, 1 / 60, N, 2 / 120]),
    ("RATE(METRICS())", [[N, 1 / 60, N, 2 / 120], [N, N, 20 / 120, 10 / 60]]),
    ("RUNNING_SUM([m1,m2])", [[1, 3, N, 7], [10, N, 40, 80]]),
    ("SLICE(SORT(METRICS(), SUM, DESC), 0, 10)", [M2, M1]),
    ("SLICE(SORT(METRICS(), AVG, ASC), 1)", [M2]),
    ("SORT(METRICS(), AVG, DESC, 1)", [M2]),
    ("SORT(METRICS(), MAX, ASC)", [M1, M2]),
    ("m1/STDDEV(m1)", [1 / SD_M1, 2 / SD_M1, N, 4 / SD_M1]),
    ("STDDEV(METRICS())", [4.5, 0, 0, 18]),
    ("SUM(METRICS())/SUM(m1)", [11 / 7, 2 / 7, 30 / 7, 44 / 7]),
    ("SUM([m1,m2])", [11, 2, 30, 44]),
    ("TIME_SERIES(MAX(m1))", [4, 4, 4, 4]),
    ("TIME_SERIES(5*AVG(m1))", [35 / 3] * 4),
    ("TIME_SERIES(10)", [10, 10, 10, 10]),
    ("m1", M1),
    ("[m1, m2]", [M1, M2]),
    ("IF(1, m1, m2)", M1),
    ("IF(0, m1, m2)", M2),
    ("IF(0, m1)", [N, N, N, N]),
]


@pytest.mark.parametrize(("expression", "expected"), TABLE, ids=[e for e, _ in TABLE])
def test_table(expression: str, expected: Expected) -> None:
    check(run(expression), expected)


def test_the_result_keeps_its_id_and_labels() -> None:
    result = run("m1 * 2")
    assert isinstance(result, Series)
    assert (result.id, result.label) == ("e", "e")
    array = run("METRICS() * 2")
    assert isinstance(array, list)
    assert [s.label for s in array] == ["m1", "m2"]


def test_expressions_refer_to_expressions() -> None:
    """The page: "m1+m2 or e1-MIN(e1)"."""
    evaluator = MathEvaluator(GRID, DEFAULT, {"e1": "m1 + m2", "e2": "e1-MIN(e1)"})
    check(evaluator.evaluate("e2"), [9, 0, 28, 42])
    check(run("METRICS()", e1="m1 * 100"), [M1, M2])  # METRICS() holds no expressions


COMPARED = [metric("metric1", [30, 20, 0, 0]), metric("metric2", [20, N, 20, N])]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(metric1 < metric2)", [0, 0, 1, 0]),
        ("(metric1 >= 30)", [1, 0, 0, 0]),
        ("(metric1 > 15 AND metric2 > 15)", [1, 0, 0, 0]),
        ("metric1 > 15 && metric2 > 15", [1, 0, 0, 0]),
        ("metric1 > 25 OR metric2 > 15", [1, 0, 1, 0]),
        ("metric1 == 0 || metric1 != 20", [1, 0, 1, 1]),
        ("metric1 <= 20", [0, 1, 1, 1]),
    ],
)
def test_comparison_and_logical_operators(expression: str, expected: Expected) -> None:
    """The page's table: metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -]."""
    check(run(expression, COMPARED), expected)


IF_METRICS = [
    metric("metric1", [1, 1, 0, 0, N]),
    metric("metric2", [30, N, 0, 0, 30]),
    metric("metric3", [0, 0, 20, N, 20]),
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("IF(metric1, metric2, metric3)", [30, 0, 20, N, N]),
        ("IF(metric1, 5, metric3)", [5, 5, 20, N, N]),
        ("IF(metric1, metric2, 5)", [30, 0, 5, 5, N]),
        ("IF(metric1, metric2)", [30, 0, N, N, N]),
        ("IF(metric3 > 10, metric2, 7)", [7, 7, 0, N, 30]),
        ("IF(metric3 > 10, 1, 0)", [0, 0, 1, N, 1]),
    ],
)
def test_if(expression: str, expected: Expected) -> None:
    """The page's IF tables (metric1 = [1, 1, 0, 0, -], ...)."""
    check(run(expression, IF_METRICS), expected)


def test_if_use_cases() -> None:
    low = [metric("metric1", [100, 500, 300])]
    check(run("IF(metric1<400, metric1)", low), [100, N, 300])
    check(run("IF(metric1<400, 10, 2)", low), [10, 2, 10])
    latency = [metric("latency", [5, 15]), metric("threshold", [10, 10])]
    check(run("IF(latency>threshold, 1, 0)", latency), [0, 1])


def test_metrics_with_a_string() -> None:
    """SUM(METRICS("errors")) and the typographic quotes of the page's example."""
    metrics = [
        metric("errors_a", [1, 2]),
        metric("errors_b", [3, N]),
        metric("requests_a", [40, 50]),
        metric("m4xx", [1, 1]),
        metric("m5xx", [2, 2]),
    ]
    check(run('SUM(METRICS("errors"))', metrics), [4, 2])
    check(run('SUM(METRICS("errors"))/SUM(METRICS("requests"))*100', metrics), [10, 4])
    check(run("SUM([METRICS(\u201c4xx\u201d), METRICS(\u201c5xx\u201d)])", metrics), [3, 3])
    check(run('METRICS("nothing")', metrics), [])


def test_fill_at_the_edges() -> None:
    sparse = [metric("x", [N, 5, N, N])]
    check(run("FILL(x, REPEAT)", sparse), [N, 5, 5, 5])
    check(run("FILL(x, LINEAR)", sparse), [N, 5, N, N])
    check(run("REMOVE_EMPTY(METRICS())", [*sparse, metric("y", [N, N, N, N])]), [[N, 5, N, N]])


ERRORS = [
    ("PERIOD(m1)/60", "The result of an expression must be a time series or an array of them"),
    ("AVG(m1)", "The result of an expression must be a time series or an array of them"),
    ("FOO(m1)", "Unknown function FOO"),
    ("sum(m1)", "Unknown function sum"),  # functions are upper case
    ("m9 + 1", "Unrecognized metric or expression id m9"),
    ("ANOMALY_DETECTION_BAND(m1)", "Function ANOMALY_DETECTION_BAND is not supported"),
    ("m1 +", "Syntax error near end of expression"),
    ("(m1", "Syntax error near end of expression"),
    ("m1 m2", "Syntax error near m2"),
    ("m1 $ 2", "Syntax error at position 4"),
    ("", "Empty expression"),
    ("METRICS() + METRICS()", "Operator + cannot combine two arrays of time series"),
    ("FILL(m1, BOGUS)", "Invalid arguments for function FILL"),
    ("PERIOD(m1 + 1)", "Invalid arguments for function PERIOD"),
    ("SORT(METRICS(), MEDIAN, ASC)", "Invalid arguments for function SORT"),
    ("SORT(METRICS(), AVG, UP)", "Invalid arguments for function SORT"),
    ("ABS(m1, m2)", "Invalid arguments for function ABS"),
    ("FIRST(m1)", "Invalid arguments for function FIRST"),
    ('m1 + "x"', "Invalid operand for operator +"),
    ("REPEAT", "The result of an expression must be a time series or an array of them"),
    ("[m1, 5]", "An array may hold only time series"),
]


@pytest.mark.parametrize(("expression", "detail"), ERRORS, ids=[e for e, _ in ERRORS])
def test_errors(expression: str, detail: str) -> None:
    with pytest.raises(MetricValidationError) as caught:
        run(expression)
    assert caught.value.message == f"Error in expression e: {detail}"
    assert (caught.value.wire_type, caught.value.status) == ("ValidationError", 400)


def test_circular_references() -> None:
    evaluator = MathEvaluator(GRID, DEFAULT, {"e1": "e2 + 1", "e2": "e1 * 2"})
    with pytest.raises(MetricValidationError, match="Circular reference"):
        evaluator.evaluate("e1")
