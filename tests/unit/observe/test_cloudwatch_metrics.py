"""LambdaMetrics: records folded into one-minute `AWS/Lambda` datapoints (control's
Aggregate, as `nubis serve` would pass it), by Lambda's dimension sets, bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from nubis.control.cloudwatch.aggregate import Aggregate
from nubis.observe.cloudwatch_metrics import (
    DURATION,
    ERRORS,
    INVOCATIONS,
    THROTTLES,
    Dimensions,
    LambdaMetrics,
)
from nubis.observe.records import ApiCall, InvocationReport, Record, Throttle

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a minute boundary
F: Dimensions = (("FunctionName", "f"),)
F_LATEST: Dimensions = (("FunctionName", "f"), ("Resource", "f"))
F_2: Dimensions = (("FunctionName", "f"), ("Resource", "f:2"))
F_2_EXECUTED: Dimensions = (("ExecutedVersion", "2"), ("FunctionName", "f"), ("Resource", "f:2"))


Row = tuple[float, float, float, float, float]


def report(
    at: float, duration_ms: float = 2.0, version: str = "$LATEST", error: str | None = None
) -> InvocationReport:
    return InvocationReport(at, "rid", "f", version, duration_ms, 128, 40, error_type=error)


def folded(records: Sequence[Record], **kwargs: int) -> LambdaMetrics[Aggregate]:
    metrics = LambdaMetrics(Aggregate, **kwargs)
    asyncio.run(metrics.consume(records))
    return metrics


def stats(metrics: LambdaMetrics[Aggregate], metric: str, dims: Dimensions) -> list[Row]:
    return [
        (minute, a.sample_count, a.sum, a.minimum, a.maximum)
        for minute, a in metrics.datapoints(metric, dims, T0 - 3600, T0 + 3600)
    ]


def test_invocations_errors_and_durations_per_minute() -> None:
    m = folded(
        [
            report(T0 + 1, 1.5),
            report(T0 + 59.9, 4.0, error="ZeroDivisionError"),
            report(T0 + 60, 3.0, error="Sandbox.Timedout"),
            ApiCall(T0 + 61, "lambda", "Invoke", 200, 1.0),  # not a Lambda metric
        ]
    )
    for dims in ((), F, F_LATEST):
        assert stats(m, INVOCATIONS, dims) == [(T0, 2, 2, 1, 1), (T0 + 60, 1, 1, 1, 1)]
        assert stats(m, ERRORS, dims) == [(T0, 2, 1, 0, 1), (T0 + 60, 1, 1, 1, 1)]
        assert stats(m, DURATION, dims) == [(T0, 2, 5.5, 1.5, 4.0), (T0 + 60, 1, 3, 3, 3)]
    assert stats(m, INVOCATIONS, F_2) == []


def test_a_published_version_has_resource_and_executed_version() -> None:
    m = folded([report(T0, version="2"), report(T0 + 1)])
    assert stats(m, INVOCATIONS, ()) == [(T0, 2, 2, 1, 1)]
    assert stats(m, INVOCATIONS, F) == [(T0, 2, 2, 1, 1)]
    assert stats(m, INVOCATIONS, F_2) == [(T0, 1, 1, 1, 1)]
    assert stats(m, INVOCATIONS, F_2_EXECUTED) == [(T0, 1, 1, 1, 1)]
    assert stats(m, INVOCATIONS, F_LATEST) == [(T0, 1, 1, 1, 1)]
    assert (INVOCATIONS, F_2_EXECUTED) in m.metrics()


def test_throttles_under_the_account_and_the_function() -> None:
    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
    m = folded([Throttle(T0 + 5, "f", reason), Throttle(T0 + 6, "f", reason)])
    assert stats(m, THROTTLES, ()) == [(T0, 2, 2, 1, 1)]
    assert stats(m, THROTTLES, F) == [(T0, 2, 2, 1, 1)]
    assert stats(m, INVOCATIONS, F) == []
    assert m.metrics() == {(THROTTLES, ()), (THROTTLES, F)}


def test_datapoints_honour_the_time_range() -> None:
    m = folded([report(T0 + 60 * k) for k in range(5)])
    got = m.datapoints(INVOCATIONS, F, T0 + 60, T0 + 180)
    assert [minute for minute, _ in got] == [T0 + 60, T0 + 120]


def test_retention_drops_old_minutes_and_late_records() -> None:
    m = folded(
        [report(T0), report(T0 + 60), report(T0 + 180), report(T0 + 10)], retention_minutes=2
    )
    assert [minute for minute, _ in m.datapoints(INVOCATIONS, F, 0, T0 + 3600)] == [T0 + 180]
    assert m.dropped == 3 * 3  # the late record: 3 metrics x 3 dimension sets


def test_datapoints_are_bounded() -> None:
    # One invocation is 3 metrics x 3 dimension sets = 9 datapoints per minute.
    m = folded([report(T0 + 60 * k) for k in range(10)], max_datapoints=20)
    minutes = [minute for minute, _ in m.datapoints(INVOCATIONS, (), 0, T0 + 3600)]
    assert minutes == [T0 + 8 * 60, T0 + 9 * 60]
