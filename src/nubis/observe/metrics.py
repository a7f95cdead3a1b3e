"""Prometheus metrics from the typed records (`GET /metrics`; names in docs/metrics.md).

    QueueRecorder ─batch─▶ PrometheusMetrics.consume ─▶ counters, histograms (own registry)
    GET /metrics ─▶ PrometheusMetrics.render ─▶ sample the `Sources` ─▶ text format 0.0.4

`consume` runs in the recorder's subscriber task, never on an invocation's path; each
record is a dict lookup of its label set and one `inc`/`observe`. What records cannot say
(environments by state, events waiting, records the recorder dropped) is sampled at scrape
time through `Sources`, plain callbacks that `nubis serve` builds from the engine and the
stores (observe imports neither).

Each instance has a `CollectorRegistry` of its own, never prometheus_client's global one:
two servers in one process (tests) do not share figures.

Label cardinality is bounded: function names and versions come from the function store
(bounded by what is deployed), API services and operations from the gateway's tables, but
a request for an unserved service names it freely and versions accumulate, so every label
set is admitted through a `LabelBound` of `MAX_SERIES` sets per family; past it, new sets
are counted under `_other` (the totals stay right, the breakdown is cut).

Not thread-safe beyond what prometheus_client guarantees: `consume` and `render` are
called on the event loop (the rendering itself runs in a worker thread, which the
client's per-value locks allow).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from nubis.observe.records import (
    ApiCall,
    EnvironmentStarted,
    EnvironmentStopped,
    InvocationReport,
    Record,
    Throttle,
)

# The classic text format, which every Prometheus reads: what `generate_latest` writes for
# names of the legacy character set (all of ours), and what prometheus_client's own
# server answers a scraper that does not ask for 1.0.0 (its CONTENT_TYPE_LATEST).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_SERIES = 1000  # label sets per metric family
OTHER = "_other"

# Outcomes of `nubis_invocations_total`, from InvocationReport.error_type.
SUCCESS = "success"
ERROR = "error"  # the function's error (Lambda's `Errors`), also a crash or an init error
TIMEOUT = "timeout"
TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"  # the engine's error type of a timed-out invocation

# Seconds. A warm invoke takes about a millisecond here, a cold one tens of milliseconds,
# and Lambda allows 900 s: fine steps below 0.1 s, coarse ones up to the maximum timeout.
DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
)  # fmt: skip
# An init (Lambda allows 10 s) from a zygote fork (~ms) to a heavy import (seconds).
INIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# One API request: sub-millisecond reads to a synchronous Invoke of a long function.
API_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 900.0,
)  # fmt: skip

K = TypeVar("K", bound=tuple[str, ...])


@dataclass
class Sources:
    """What is sampled at scrape time; each callback is optional and must not block.
    Set by `nubis serve` as the parts it comes from are built (`metrics.sources.x = ...`).

    `environments`: environments now by state (`idle`, `busy`, ...), zeros included.
    `async_events`: events stored for asynchronous invocation (waiting or leased).
    `recorder_dropped`: records the recorder and this subscriber's queue lost.
    """

    environments: Callable[[], Mapping[str, int]] | None = None
    async_events: Callable[[], Awaitable[int]] | None = None
    recorder_dropped: Callable[[], int] | None = None


class LabelBound:
    """Admits at most `limit` distinct label sets; later new ones become all-`_other`."""

    def __init__(self, limit: int = MAX_SERIES) -> None:
        self._limit = limit
        self._seen: set[tuple[str, ...]] = set()

    def admit(self, key: K) -> K:
        if key in self._seen:
            return key
        if len(self._seen) < self._limit:
            self._seen.add(key)
            return key
        return tuple(OTHER for _ in key)  # type: ignore[return-value]


def outcome_of(report: InvocationReport) -> str:
    if report.error_type is None:
        return SUCCESS
    if report.error_type == TIMEOUT_ERROR_TYPE:
        return TIMEOUT
    return ERROR


class _Sampled(Collector):
    """The figures of `Sources`, read when the registry is collected (a scrape). The
    async ones are awaited by `PrometheusMetrics.render` first and kept here."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.async_events: int | None = None
        self.store_seconds: float | None = None

    def collect(self) -> Iterable[Metric]:
        s = self.sources
        if s.environments is not None:
            envs = GaugeMetricFamily(
                "nubis_environments", "Execution environments now, by state.", labels=["state"]
            )
            for state, count in sorted(s.environments().items()):
                envs.add_metric([state], count)
            yield envs
        if self.async_events is not None:
            yield GaugeMetricFamily(
                "nubis_async_events",
                "Events stored for asynchronous invocation (waiting or leased).",
                value=self.async_events,
            )
        if self.store_seconds is not None:
            yield GaugeMetricFamily(
                "nubis_store_probe_seconds",
                "How long the last scrape's query of the event store took.",
                value=self.store_seconds,
            )
        if s.recorder_dropped is not None:
            yield CounterMetricFamily(
                "nubis_records_dropped",
                "Typed records lost because a queue of the recorder was full.",
                value=s.recorder_dropped(),
            )


class PrometheusMetrics:
    """A recorder `Subscriber` keeping Nubis's figures as Prometheus metrics."""

    content_type = CONTENT_TYPE

    def __init__(self, sources: Sources | None = None, max_series: int = MAX_SERIES) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._sampled = _Sampled(sources or Sources())
        self.sources = self._sampled.sources
        self.registry.register(self._sampled)
        self._functions = LabelBound(max_series)
        self._apis = LabelBound(max_series)
        self._throttle_keys = LabelBound(max_series)
        self._build_metrics()
        # Children by label set: `labels()` validates and locks on every call; this is
        # one dict lookup on the way to the same child.
        self._invocations: dict[tuple[str, str, str], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}
        self._api_children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def _build_metrics(self) -> None:
        reg = self.registry
        fv = ("function", "version")
        self.invocations = Counter(
            "nubis_invocations",
            "Invocations that ran (Lambda's Invocations; throttles excluded), by outcome.",
            [*fv, "outcome"],
            registry=reg,
        )
        self.duration = Histogram(
            "nubis_invocation_duration_seconds",
            "Invocation duration (the REPORT line's Duration).",
            fv,
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.init_duration = Histogram(
            "nubis_init_duration_seconds",
            "Init duration of new environments (the REPORT line's Init Duration).",
            fv,
            buckets=INIT_BUCKETS,
            registry=reg,
        )
        self.throttles = Counter(
            "nubis_throttles",
            "Invocations refused before they ran (TooManyRequestsException), by reason.",
            ["function", "reason"],
            registry=reg,
        )
        self.env_started = Counter(
            "nubis_environments_started",
            "Environments that finished init, by initialization type.",
            ["initialization_type"],
            registry=reg,
        )
        self.env_stopped = Counter(
            "nubis_environments_stopped", "Environments destroyed.", registry=reg
        )
        self._build_api_metrics()

    def _build_api_metrics(self) -> None:
        labels = ("service", "operation", "status")
        self.api_requests = Counter(
            "nubis_api_requests",
            "Requests through the API gateway.",
            labels,
            registry=self.registry,
        )
        self.api_duration = Histogram(
            "nubis_api_request_duration_seconds",
            "Time from a request's arrival to its answer.",
            labels,
            buckets=API_BUCKETS,
            registry=self.registry,
        )

    async def consume(self, records: Sequence[Record]) -> None:
        for r in records:
            if isinstance(r, ApiCall):
                self._api_call(r)
            elif isinstance(r, InvocationReport):
                self._report(r)
            elif isinstance(r, Throttle):
                key = self._throttle_keys.admit((r.function_name, r.reason))
                self.throttles.labels(*key).inc()
            elif isinstance(r, EnvironmentStarted):
                self.env_started.labels(r.initialization_type).inc()
            elif isinstance(r, EnvironmentStopped):
                self.env_stopped.inc()

    def _report(self, r: InvocationReport) -> None:
        fv = self._functions.admit((r.function_name, r.version))
        key = (fv[0], fv[1], outcome_of(r))
        counter = self._invocations.get(key)
        if counter is None:
            counter = self._invocations[key] = self.invocations.labels(*key)
        counter.inc()
        histogram = self._durations.get(fv)
        if histogram is None:
            histogram = self._durations[fv] = self.duration.labels(*fv)
        histogram.observe(r.duration_ms / 1000)
        if r.init_duration_ms is not None:
            self.init_duration.labels(*fv).observe(r.init_duration_ms / 1000)

    def _api_call(self, r: ApiCall) -> None:
        key = self._apis.admit((r.service, r.operation, str(r.status)))
        children = self._api_children.get(key)
        if children is None:
            children = self._api_children[key] = (
                self.api_requests.labels(*key),
                self.api_duration.labels(*key),
            )
        children[0].inc()
        children[1].observe(r.duration_ms / 1000)

    async def render(self) -> bytes:
        """The exposition (text format 0.0.4) after sampling the async sources."""
        source = self._sampled.sources.async_events
        if source is not None:
            started = time.perf_counter()
            self._sampled.async_events = await source()
            self._sampled.store_seconds = time.perf_counter() - started
        # A registry of many series takes milliseconds to format: not on the event loop.
        return await asyncio.to_thread(generate_latest, self.registry)
