"""`GET /metrics` on a real server: a few invocations (success, function error, a throttle
through reserved concurrency 0) and then the scrape, read with prometheus_client's parser
as Prometheus reads it."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import create

OK = "def handler(event, context):\n    return {'ok': True}\n"
FAILS = "def handler(event, context):\n    raise ValueError('no')\n"
REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(endpoint: str) -> tuple[str, Samples]:
    """(the Content-Type, every sample) of an unsigned GET /metrics, as Prometheus sends it."""
    with urllib.request.urlopen(f"{endpoint}/metrics", timeout=30) as response:
        assert response.status == 200
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return content_type, samples


def once(endpoint: str) -> Any:
    """A Lambda client that sends each request once (botocore retries a throttle)."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape_until(endpoint: str, name: str, labels: dict[str, str], expected: float) -> Samples:
    """Records reach the metrics off the request's path, a loop step or two after its
    answer: scrape again (briefly) until `name{labels}` shows them."""
    deadline = time.monotonic() + 10
    while True:
        _, samples = scrape(endpoint)
        if value(samples, name, **labels) >= expected or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)


def test_invocations_errors_and_throttles_are_counted(server: Any, client: Any, name: str) -> None:
    ok, fails, throttled = f"{name}-ok", f"{name}-fails", f"{name}-throttled"
    for fn, code in ((ok, OK), (fails, FAILS), (throttled, OK)):
        create(client, fn, code)
    client.put_function_concurrency(FunctionName=throttled, ReservedConcurrentExecutions=0)
    for _ in range(2):
        assert "FunctionError" not in client.invoke(FunctionName=ok)
    assert client.invoke(FunctionName=fails)["FunctionError"] == "Unhandled"
    with pytest.raises(ClientError) as refused:
        once(server.endpoint).invoke(FunctionName=throttled)
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"

    throttle = {"function": throttled, "reason": REASON}
    samples = scrape_until(server.endpoint, "nubis_throttles_total", throttle, 1)
    inv = "nubis_invocations_total"
    latest = {"version": "$LATEST"}
    assert value(samples, inv, function=ok, outcome="success", **latest) == 2
    assert value(samples, inv, function=fails, outcome="error", **latest) == 1
    assert value(samples, inv, function=fails, outcome="success", **latest) == 0
    assert value(samples, "nubis_throttles_total", **throttle) == 1
    assert not [k for k in samples if k[0] == inv and ("function", throttled) in k[1]]
    duration = "nubis_invocation_duration_seconds"
    assert value(samples, f"{duration}_count", function=ok, **latest) == 2
    assert value(samples, f"{duration}_bucket", function=ok, le="+Inf", **latest) == 2
    init = "nubis_init_duration_seconds_count"
    assert value(samples, init, function=ok, **latest) == 1  # the first one was cold
    api = "nubis_api_requests_total"
    assert value(samples, api, service="lambda", operation="Invoke", status="200") >= 3
    assert value(samples, api, service="lambda", operation="Invoke", status="429") >= 1


def test_the_server_s_own_gauges(server: Any, client: Any, name: str) -> None:
    create(client, name, OK)
    client.invoke(FunctionName=name)
    content_type, samples = scrape(server.endpoint)
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert value(samples, "nubis_environments", state="idle") >= 1
    assert ("nubis_environments", frozenset({("state", "busy")})) in samples
    assert ("nubis_async_events", frozenset()) in samples
    assert value(samples, "nubis_records_dropped_total") == 0
    # The scrapes themselves are API requests of the nubis service.
    _, again = scrape(server.endpoint)
    scrapes = {"service": "nubis", "operation": "GetMetrics", "status": "200"}
    assert value(again, "nubis_api_requests_total", **scrapes) >= 1
