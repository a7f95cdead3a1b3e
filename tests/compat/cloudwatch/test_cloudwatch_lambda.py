"""`AWS/Lambda` metrics of real invocations, read back in every protocol: Invocations and
Errors sums, Duration percentiles, GetMetricData with `SUM(METRICS())`, ListMetrics."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from tests.compat.cloudwatch.conftest import wait_for
from tests.helpers import Server, create, lambda_client

CODE = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": True}
"""
OK_CALLS, FAILED_CALLS = 3, 1


@pytest.fixture(scope="module")
def function(server: Server) -> str:
    name = f"cw-{uuid.uuid4().hex[:10]}"
    lam = lambda_client(server.endpoint)
    create(lam, name, CODE)
    for _ in range(OK_CALLS):
        assert "FunctionError" not in lam.invoke(FunctionName=name, Payload=b"{}")
    for _ in range(FAILED_CALLS):
        out = lam.invoke(FunctionName=name, Payload=json.dumps({"fail": True}).encode())
        assert out["FunctionError"] == "Unhandled"
    lam.close()
    return name


def window() -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {"StartTime": now - dt.timedelta(minutes=30), "EndTime": now + dt.timedelta(minutes=2)}


def total(cw: Any, name: str, metric: str, statistic: str = "Sum") -> float:
    out = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        Period=3600,
        Statistics=[statistic],
        **window(),
    )
    return sum(p[statistic] for p in out["Datapoints"])


def test_invocations_and_errors_sum(cw: Any, function: str) -> None:
    expected = OK_CALLS + FAILED_CALLS
    assert wait_for(lambda: total(cw, function, "Invocations") >= expected)
    assert total(cw, function, "Invocations") == expected
    assert total(cw, function, "Errors") == FAILED_CALLS
    assert total(cw, function, "Throttles") == 0


def test_duration_percentiles_and_unit(cw: Any, function: str) -> None:
    assert wait_for(lambda: total(cw, function, "Invocations") >= OK_CALLS + FAILED_CALLS)
    out = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Duration",
        Dimensions=[
            {"Name": "FunctionName", "Value": function},
            {"Name": "Resource", "Value": function},
        ],
        Period=3600,
        ExtendedStatistics=["p50", "p99", "p100"],
        **window(),
    )
    assert out["Label"] == "Duration"
    points = out["Datapoints"]
    assert points
    for p in points:
        assert p["Unit"] == "Milliseconds"
        ext = p["ExtendedStatistics"]
        assert 0 < ext["p50"] <= ext["p99"] <= ext["p100"]
        assert "SampleCount" not in p
    maximum = total(cw, function, "Duration", "Maximum")
    assert max(p["ExtendedStatistics"]["p100"] for p in points) <= maximum


def test_metric_data_sum_of_metrics(cw: Any, function: str) -> None:
    assert wait_for(lambda: total(cw, function, "Invocations") >= OK_CALLS + FAILED_CALLS)

    def stat(qid: str, metric: str) -> dict[str, Any]:
        dims = [{"Name": "FunctionName", "Value": function}]
        return {
            "Id": qid,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims},
                "Period": 3600,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    out = cw.get_metric_data(
        MetricDataQueries=[
            stat("inv", "Invocations"),
            stat("err", "Errors"),
            {"Id": "both", "Expression": "SUM(METRICS())", "Label": "calls and errors"},
            {"Id": "rate", "Expression": "RATE(inv)"},
        ],
        **window(),
    )
    results = {r["Id"]: r for r in out["MetricDataResults"]}
    assert set(results) == {"both", "rate"}
    both = results["both"]
    assert both["Label"] == "calls and errors"
    assert both["StatusCode"] == "Complete"
    assert sum(both["Values"]) == OK_CALLS + 2 * FAILED_CALLS
    assert all(isinstance(t, dt.datetime) for t in both["Timestamps"])


def test_list_metrics_has_lambdas_dimension_sets(cw: Any, function: str) -> None:
    assert wait_for(lambda: total(cw, function, "Invocations") >= OK_CALLS + FAILED_CALLS)
    out = cw.list_metrics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
    )
    sets = sorted(tuple(d["Name"] for d in m["Dimensions"]) for m in out["Metrics"])
    assert sets == [("FunctionName",), ("FunctionName", "Resource")]
    recent = cw.list_metrics(Namespace="AWS/Lambda", RecentlyActive="PT3H")
    assert any(m["MetricName"] == "Duration" for m in recent["Metrics"])
