"""Prometheus metrics from the typed records (`GET /metrics`; names in docs/metrics.md).

    QueueRecorder ─batch─▶ PrometheusMetrics.consume_now ─▶ Counters, Histograms (plain dicts)
    GET /metrics ─▶ PrometheusMetrics.render ─▶ sample `Sources`, copy ─▶ text format 0.0.4

`consume_now` runs in the recorder's hand-over (an `InlineSubscriber`: no task of its
own), never on an invocation's path; a record
costs a dict lookup of its label set and a float add or a bisect (about 1.5 µs per
invocation, its REPORT and its API call; prometheus_client's own metric objects lock per
update and cost four times that). What records cannot say (environments by state, events
waiting, records dropped) is sampled at scrape time through `Sources`, callbacks that
`nubis serve` builds from the engine and the stores (observe imports neither).
prometheus_client writes the text: its metric families and `generate_latest`.

The figures are the instance's own (no registry of prometheus_client's is touched): two
servers in one process (tests) do not share them.

Label cardinality is bounded: function names and versions come from the function store
(bounded by what is deployed), API services and operations from the gateway's tables, but
a request for an unserved service names it freely and versions accumulate, so every label
set is admitted through a `LabelBound` of `MAX_SERIES` sets per family; past it, new sets
are counted under `_other` (the totals stay right, the breakdown is cut).

Not thread-safe: `consume` and `render` are called on the event loop. `render` copies the
figures there and formats the copy in a worker thread.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
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

ASYNC_DOC = "Events stored for asynchronous invocation (waiting or leased)."
PROBE_DOC = "How long the last scrape's query of the event store took."
DROPPED_DOC = "Typed records lost because a queue of the recorder was full."


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


class Counters:
    """One counter family's values by label set: plain floats, updated on the event loop
    only (prometheus_client's own `Counter` takes a lock per `inc`: four times the cost)."""

    __slots__ = ("doc", "labels", "name", "values")

    def __init__(self, name: str, doc: str, labels: Sequence[str] = ()) -> None:
        self.name, self.doc, self.labels = name, doc, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, key: tuple[str, ...] = (), by: float = 1.0) -> None:
        self.values[key] = self.values.get(key, 0.0) + by

    def copy(self) -> Counters:
        other = Counters(self.name, self.doc, self.labels)
        other.values = dict(self.values)
        return other

    def family(self) -> Metric:
        family = CounterMetricFamily(self.name, self.doc, labels=self.labels)
        for key, total in sorted(self.values.items()):
            family.add_metric(key, total)
        return family


class Histograms:
    """One histogram family by label set: per series a list of per-bucket counts (the
    last bucket is +Inf) followed by the sum. Event loop only, like `Counters`."""

    __slots__ = ("bounds", "doc", "labels", "name", "series")

    def __init__(self, name: str, doc: str, labels: Sequence[str], bounds: Sequence[float]):
        self.name, self.doc, self.labels = name, doc, tuple(labels)
        self.bounds = tuple(bounds)
        self.series: dict[tuple[str, ...], list[float]] = {}

    def observe(self, key: tuple[str, ...], value: float) -> None:
        counts = self.series.get(key)
        if counts is None:
            counts = self.series[key] = [0.0] * (len(self.bounds) + 2)
        counts[bisect.bisect_left(self.bounds, value)] += 1  # the first bound >= value
        counts[-1] += value

    def copy(self) -> Histograms:
        other = Histograms(self.name, self.doc, self.labels, self.bounds)
        other.series = {key: list(counts) for key, counts in self.series.items()}
        return other

    def family(self) -> Metric:
        family = HistogramMetricFamily(self.name, self.doc, labels=self.labels)
        edges = [*(repr(float(b)) for b in self.bounds), "+Inf"]  # le="0.005", "1.0"
        for key, counts in sorted(self.series.items()):
            cumulative = list(itertools.accumulate(counts[:-1]))
            family.add_metric(key, list(zip(edges, cumulative, strict=True)), counts[-1])
        return family


class _Snapshot(Collector):
    """What one scrape shows: copies taken on the event loop, formatted in a thread."""

    def __init__(self, families: list[Counters | Histograms], sampled: list[Metric]) -> None:
        self._families = families
        self._sampled = sampled

    def collect(self) -> Iterable[Metric]:
        yield from self._sampled
        for f in self._families:
            yield f.family()


class PrometheusMetrics:
    """A recorder `Subscriber` keeping Nubis's figures for Prometheus."""

    content_type = CONTENT_TYPE

    def __init__(self, sources: Sources | None = None, max_series: int = MAX_SERIES) -> None:
        self.sources = sources or Sources()
        self._functions = LabelBound(max_series)
        self._apis = LabelBound(max_series)
        self._throttle_keys = LabelBound(max_series)
        fv = ("function", "version")
        self.invocations = Counters(
            "nubis_invocations",
            "Invocations that ran (Lambda's Invocations; throttles excluded), by outcome.",
            (*fv, "outcome"),
        )
        self.duration = Histograms(
            "nubis_invocation_duration_seconds",
            "Invocation duration (the REPORT line's Duration).",
            fv,
            DURATION_BUCKETS,
        )
        self.init_duration = Histograms(
            "nubis_init_duration_seconds",
            "Init duration of new environments (the REPORT line's Init Duration).",
            fv,
            INIT_BUCKETS,
        )
        self.throttles = Counters(
            "nubis_throttles",
            "Invocations refused before they ran (TooManyRequestsException), by reason.",
            ("function", "reason"),
        )
        self.env_started = Counters(
            "nubis_environments_started",
            "Environments that finished init, by initialization type.",
            ("initialization_type",),
        )
        self.env_stopped = Counters("nubis_environments_stopped", "Environments destroyed.")
        api = ("service", "operation", "status")
        self.api_requests = Counters("nubis_api_requests", "Requests through the API gateway.", api)
        self.api_duration = Histograms(
            "nubis_api_request_duration_seconds",
            "Time from a request's arrival to its answer.",
            api,
            API_BUCKETS,
        )
        self._async_events: float | None = None
        self._store_seconds: float | None = None

    async def consume(self, records: Sequence[Record]) -> None:
        self.consume_now(records)

    def consume_now(self, records: Sequence[Record]) -> None:
        """An `InlineSubscriber`: the recorder calls this in its hand-over."""
        for r in records:
            if isinstance(r, ApiCall):
                key = self._apis.admit((r.service, r.operation, str(r.status)))
                self.api_requests.inc(key)
                self.api_duration.observe(key, r.duration_ms / 1000)
            elif isinstance(r, InvocationReport):
                fv = self._functions.admit((r.function_name, r.version))
                self.invocations.inc((*fv, outcome_of(r)))
                self.duration.observe(fv, r.duration_ms / 1000)
                if r.init_duration_ms is not None:
                    self.init_duration.observe(fv, r.init_duration_ms / 1000)
            elif isinstance(r, Throttle):
                self.throttles.inc(self._throttle_keys.admit((r.function_name, r.reason)))
            elif isinstance(r, EnvironmentStarted):
                self.env_started.inc((r.initialization_type,))
            elif isinstance(r, EnvironmentStopped):
                self.env_stopped.inc()

    async def render(self) -> bytes:
        """The exposition (text format 0.0.4): the sources sampled and the figures copied
        on the event loop, the text written in a worker thread (many series take
        milliseconds to format)."""
        source = self.sources.async_events
        if source is not None:
            started = time.perf_counter()
            self._async_events = await source()
            self._store_seconds = time.perf_counter() - started
        families: list[Counters | Histograms] = [
            self.invocations.copy(),
            self.duration.copy(),
            self.init_duration.copy(),
            self.throttles.copy(),
            self.env_started.copy(),
            self.env_stopped.copy(),
            self.api_requests.copy(),
            self.api_duration.copy(),
        ]
        return await asyncio.to_thread(generate_latest, _Snapshot(families, self._sampled()))

    def _sampled(self) -> list[Metric]:
        s, out = self.sources, list[Metric]()
        if s.environments is not None:
            envs = GaugeMetricFamily(
                "nubis_environments", "Execution environments now, by state.", labels=["state"]
            )
            for state, count in sorted(s.environments().items()):
                envs.add_metric([state], count)
            out.append(envs)
        if self._async_events is not None:
            out.append(GaugeMetricFamily("nubis_async_events", ASYNC_DOC, self._async_events))
        if self._store_seconds is not None:
            out.append(
                GaugeMetricFamily("nubis_store_probe_seconds", PROBE_DOC, self._store_seconds)
            )
        if s.recorder_dropped is not None:
            out.append(
                CounterMetricFamily("nubis_records_dropped", DROPPED_DOC, s.recorder_dropped())
            )
        return out
