"""PrometheusMetrics: records in, the exposition out, read back with prometheus_client's own
parser (what a Prometheus server reads)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from prometheus_client.parser import text_string_to_metric_families

from nubis.observe.metrics import (
    DURATION_BUCKETS,
    OTHER,
    PrometheusMetrics,
    Sources,
)
from nubis.observe.recorder import QueueRecorder
from nubis.observe.records import (
    ApiCall,
    EnvironmentStarted,
    EnvironmentStopped,
    InvocationReport,
    Record,
    Throttle,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def report(
    function: str = "f",
    version: str = "$LATEST",
    duration_ms: float = 1.2,
    error_type: str | None = None,
    init_ms: float | None = None,
) -> InvocationReport:
    return InvocationReport(
        1.0, "rid", function, version, duration_ms, 128, 40, init_ms, None, error_type
    )


def scrape(metrics: PrometheusMetrics, records: Sequence[Record] = ()) -> Samples:
    async def main() -> bytes:
        await metrics.consume(records)
        return await metrics.render()

    text = asyncio.run(main()).decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def at(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_invocations_by_outcome_and_durations() -> None:
    samples = scrape(
        PrometheusMetrics(),
        [
            report(duration_ms=0.8),
            report(duration_ms=3.0),
            report(error_type="ZeroDivisionError"),
            report(error_type="Runtime.ExitError"),
            report(error_type="Sandbox.Timedout", duration_ms=3000.0),
            report(version="2", init_ms=42.0),
        ],
    )
    inv = "nubis_invocations_total"
    assert at(samples, inv, function="f", version="$LATEST", outcome="success") == 2
    assert at(samples, inv, function="f", version="$LATEST", outcome="error") == 2
    assert at(samples, inv, function="f", version="$LATEST", outcome="timeout") == 1
    assert at(samples, inv, function="f", version="2", outcome="success") == 1
    h = "nubis_invocation_duration_seconds"
    fv = {"function": "f", "version": "$LATEST"}
    assert at(samples, h + "_count", **fv) == 5
    assert at(samples, h + "_sum", **fv) == pytest.approx(3.0062)
    assert at(samples, h + "_bucket", **fv, le="0.001") == 1  # 0.8 ms
    assert at(samples, h + "_bucket", **fv, le="0.005") == 4
    assert at(samples, h + "_bucket", **fv, le="2.5") == 4
    assert at(samples, h + "_bucket", **fv, le="5.0") == 5
    assert at(samples, h + "_bucket", **fv, le="+Inf") == 5
    buckets = [k for k in samples if k[0] == h + "_bucket" and ("version", "$LATEST") in k[1]]
    assert len(buckets) == len(DURATION_BUCKETS) + 1
    init = "nubis_init_duration_seconds"
    assert at(samples, init + "_count", function="f", version="2") == 1
    assert at(samples, init + "_sum", function="f", version="2") == pytest.approx(0.042)
    assert (init + "_count", frozenset(fv.items())) not in samples  # warm ones: no init


def test_throttles_environments_and_api_calls() -> None:
    samples = scrape(
        PrometheusMetrics(),
        [
            Throttle(1.0, "f", "ReservedFunctionConcurrentInvocationLimitExceeded"),
            Throttle(1.0, "f", "ReservedFunctionConcurrentInvocationLimitExceeded"),
            Throttle(1.0, "g", "ConcurrentInvocationLimitExceeded"),
            EnvironmentStarted(1.0, "e1", "f", "$LATEST", "on-demand", 12.0),
            EnvironmentStarted(1.0, "e2", "f", "1", "provisioned-concurrency", 12.0),
            EnvironmentStopped(1.0, "e1", "f", "$LATEST", 3.0),
            ApiCall(1.0, "lambda", "Invoke", 200, 2.0),
            ApiCall(1.0, "lambda", "Invoke", 200, 4.0),
            ApiCall(1.0, "lambda", "Invoke", 429, 0.5),
            ApiCall(1.0, "sqs", "SendMessage", 200, 1.0),
        ],
    )
    t = "nubis_throttles_total"
    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert at(samples, t, function="f", reason=reason) == 2
    assert at(samples, t, function="g", reason="ConcurrentInvocationLimitExceeded") == 1
    started = "nubis_environments_started_total"
    assert at(samples, started, initialization_type="on-demand") == 1
    assert at(samples, started, initialization_type="provisioned-concurrency") == 1
    assert at(samples, "nubis_environments_stopped_total") == 1
    api = "nubis_api_requests_total"
    assert at(samples, api, service="lambda", operation="Invoke", status="200") == 2
    assert at(samples, api, service="lambda", operation="Invoke", status="429") == 1
    assert at(samples, api, service="sqs", operation="SendMessage", status="200") == 1
    d = "nubis_api_request_duration_seconds_sum"
    assert at(samples, d, service="lambda", operation="Invoke", status="200") == pytest.approx(
        0.006
    )
    # Throttled requests are not invocations (Lambda's Invocations excludes them).
    assert not [k for k in samples if k[0] == "nubis_invocations_total"]


def test_sources_are_sampled_at_each_scrape() -> None:
    states = {"idle": 2, "busy": 1}
    depth = [5]

    async def events() -> int:
        return depth[0]

    metrics = PrometheusMetrics(
        Sources(environments=lambda: dict(states), async_events=events, recorder_dropped=lambda: 7)
    )
    first = scrape(metrics)
    assert at(first, "nubis_environments", state="idle") == 2
    assert at(first, "nubis_environments", state="busy") == 1
    assert at(first, "nubis_async_events") == 5
    assert at(first, "nubis_records_dropped_total") == 7
    assert at(first, "nubis_store_probe_seconds") >= 0
    states["busy"], depth[0] = 0, 0
    second = scrape(metrics)
    assert at(second, "nubis_environments", state="busy") == 0
    assert at(second, "nubis_async_events") == 0


def test_no_sources_no_sampled_metrics() -> None:
    samples = scrape(PrometheusMetrics())
    names = {name for name, _ in samples}
    assert not names & {"nubis_environments", "nubis_async_events", "nubis_records_dropped_total"}


def test_label_sets_are_bounded() -> None:
    metrics = PrometheusMetrics(max_series=3)
    samples = scrape(
        metrics,
        [report(version=str(v)) for v in range(10)]
        + [ApiCall(1.0, f"svc{i}", "?", 400, 1.0) for i in range(5)],
    )
    inv = "nubis_invocations_total"
    series = {dict(k[1])["version"]: v for k, v in samples.items() if k[0] == inv}
    assert series == {"0": 1, "1": 1, "2": 1, OTHER: 7}  # the total stays right
    api = "nubis_api_requests_total"
    services = {dict(k[1])["service"]: v for k, v in samples.items() if k[0] == api}
    assert services == {"svc0": 1, "svc1": 1, "svc2": 1, OTHER: 2}


def test_two_instances_do_not_share_figures() -> None:
    a, b = PrometheusMetrics(), PrometheusMetrics()
    at_a = scrape(a, [report()])
    at_b = scrape(b)
    assert at(at_a, "nubis_invocations_total", function="f", version="$LATEST", outcome="success")
    assert not [k for k in at_b if k[0] == "nubis_invocations_total"]


def test_records_reach_it_through_the_recorder() -> None:
    metrics = PrometheusMetrics()

    async def main() -> bytes:
        recorder = QueueRecorder()
        recorder.subscribe(metrics)
        await recorder.start()
        recorder.record(report())
        recorder.record(Throttle(1.0, "f", "ReservedFunctionConcurrentInvocationLimitExceeded"))
        await recorder.close()
        return await metrics.render()

    text = asyncio.run(main()).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["nubis_invocations"].type == "counter"
    assert families["nubis_invocation_duration_seconds"].type == "histogram"
    assert [s.value for s in families["nubis_throttles"].samples if s.name.endswith("_total")] == [
        1
    ]
