"""Custom metrics (PutMetricData) read back in every protocol, and AWS's errors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import botocore.exceptions
import pytest


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def window() -> dict[str, Any]:
    now = _now()
    return {"StartTime": now - dt.timedelta(minutes=20), "EndTime": now + dt.timedelta(minutes=5)}


@pytest.fixture
def namespace() -> str:
    return f"Test/{uuid.uuid4().hex[:10]}"


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return dict(response["Error"])


def test_values_statistic_sets_and_counts_round_trip(cw: Any, namespace: str) -> None:
    at = _now() - dt.timedelta(minutes=3)
    dims = [{"Name": "Stage", "Value": "prod"}, {"Name": "Api", "Value": "orders"}]
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Value": 10.0,
             "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": dims[::-1], "Timestamp": at,
             "Values": [20.0, 30.0], "Counts": [1.0, 2.0], "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at,
             "StatisticValues": {"SampleCount": 2, "Sum": 100.0, "Minimum": 40.0, "Maximum": 60.0},
             "Unit": "Milliseconds"},
        ],
    )  # fmt: skip
    out = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName="Latency",
        Dimensions=dims,
        Period=60,
        Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"],
        **window(),
    )
    [point] = out["Datapoints"]
    assert point["Timestamp"] == at
    assert point["SampleCount"] == 6
    assert point["Sum"] == 10 + 20 + 60 + 100
    assert (point["Minimum"], point["Maximum"]) == (10.0, 60.0)
    assert point["Average"] == pytest.approx(190 / 6)
    assert point["Unit"] == "Milliseconds"
    other_unit = cw.get_metric_statistics(
        Namespace=namespace, MetricName="Latency", Dimensions=dims, Period=60,
        Statistics=["Sum"], Unit="Seconds", **window(),
    )  # fmt: skip
    assert other_unit["Datapoints"] == []


def test_percentiles_of_values(cw: Any, namespace: str) -> None:
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": "Size", "Values": [float(v) for v in range(1, 101)]}],
    )
    out = cw.get_metric_statistics(
        Namespace=namespace, MetricName="Size", Period=300, ExtendedStatistics=["p50", "p99"],
        **window(),
    )  # fmt: skip
    [point] = out["Datapoints"]
    assert point["ExtendedStatistics"] == {"p50": 50.0, "p99": 99.0}
    assert "Sum" not in point


def test_metric_data_math_labels_and_order(cw: Any, namespace: str) -> None:
    base = _now() - dt.timedelta(minutes=10)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Hits", "Timestamp": base + dt.timedelta(minutes=i), "Value": 60.0 * i}
            for i in range(1, 4)
        ],
    )
    query = {
        "Id": "hits",
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": "Hits"},
            "Period": 60,
            "Stat": "Sum",
        },
    }
    out = cw.get_metric_data(
        MetricDataQueries=[query, {"Id": "perSecond", "Expression": "hits / PERIOD(hits)"}],
        ScanBy="TimestampAscending",
        **window(),
    )
    hits, per_second = out["MetricDataResults"]
    assert hits["Label"] == "Hits"
    assert hits["Values"] == [60.0, 120.0, 180.0]
    assert hits["Timestamps"] == [base + dt.timedelta(minutes=i) for i in range(1, 4)]
    assert per_second["Values"] == [1.0, 2.0, 3.0]
    newest_first = cw.get_metric_data(MetricDataQueries=[query], **window())
    assert newest_first["MetricDataResults"][0]["Values"] == [180.0, 120.0, 60.0]
    first = cw.get_metric_data(MetricDataQueries=[query], MaxDatapoints=2, **window())
    assert first["MetricDataResults"][0]["Values"] == [180.0, 120.0]
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    rest = cw.get_metric_data(
        MetricDataQueries=[query], MaxDatapoints=2, NextToken=first["NextToken"], **window()
    )
    assert rest["MetricDataResults"][0]["Values"] == [60.0]
    assert "NextToken" not in rest


def test_list_metrics_filters_and_pages(cw: Any, namespace: str) -> None:
    data = [
        {"MetricName": "Many", "Dimensions": [{"Name": "N", "Value": str(i)}], "Value": 1.0}
        for i in range(510)
    ]
    cw.put_metric_data(Namespace=namespace, MetricData=data[:500])
    cw.put_metric_data(Namespace=namespace, MetricData=data[500:])
    first = cw.list_metrics(Namespace=namespace)
    assert len(first["Metrics"]) == 500
    rest = cw.list_metrics(Namespace=namespace, NextToken=first["NextToken"])
    assert len(rest["Metrics"]) == 10
    assert "NextToken" not in rest
    one = cw.list_metrics(Namespace=namespace, Dimensions=[{"Name": "N", "Value": "7"}])
    assert one["Metrics"] == [
        {"Namespace": namespace, "MetricName": "Many", "Dimensions": [{"Name": "N", "Value": "7"}]}
    ]
    assert cw.list_metrics(Namespace=namespace, MetricName="Other")["Metrics"] == []


def test_put_errors(cw: Any, namespace: str) -> None:
    reserved = error_of(
        cw.put_metric_data, Namespace="AWS/Lambda", MetricData=[{"MetricName": "M", "Value": 1.0}]
    )
    assert reserved["Code"] == "InvalidParameterValue"
    assert reserved["Message"] == "The value AWS/Lambda for parameter Namespace is invalid."
    neither = error_of(cw.put_metric_data, Namespace=namespace, MetricData=[{"MetricName": "M"}])
    assert neither["Code"] == "InvalidParameterCombination"
    assert neither["Message"] == (
        "At least one of the parameters MetricData.member.1.Value and "
        "MetricData.member.1.StatisticValues must be specified."
    )
    old = _now() - dt.timedelta(days=15)
    stale = error_of(
        cw.put_metric_data, Namespace=namespace,
        MetricData=[{"MetricName": "M", "Value": 1.0, "Timestamp": old}],
    )  # fmt: skip
    assert stale["Code"] == "InvalidParameterValue"
    assert "MetricData.member.1.Timestamp" in stale["Message"]
    twice = [{"Name": "A", "Value": "1"}, {"Name": "A", "Value": "2"}]
    dup = error_of(
        cw.put_metric_data, Namespace=namespace,
        MetricData=[{"MetricName": "M", "Value": 1.0, "Dimensions": twice}],
    )  # fmt: skip
    assert dup["Message"] == "No metric may specify the same dimension name twice."
    too_many = error_of(
        cw.put_metric_data, Namespace=namespace,
        MetricData=[{"MetricName": "M", "Value": 1.0}] * 1001,
    )  # fmt: skip
    assert too_many["Code"] == "InvalidParameterValue"


def test_read_errors(cw: Any, cw_unvalidated: Any, namespace: str) -> None:
    base = {"Namespace": namespace, "MetricName": "M", **window()}
    period = error_of(cw.get_metric_statistics, Period=90, Statistics=["Sum"], **base)
    assert period["Code"] == "InvalidParameterValue"
    assert period["Message"] == "The parameter Period must be a multiple of 60."
    nothing = error_of(cw.get_metric_statistics, Period=60, **base)
    assert nothing["Code"] == "InvalidParameterCombination"
    both = error_of(
        cw.get_metric_statistics, Period=60, Statistics=["Sum"], ExtendedStatistics=["p9"], **base
    )
    assert both["Message"] == (
        "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have "
        "specified both."
    )
    percentile = error_of(cw.get_metric_statistics, Period=60, ExtendedStatistics=["tm90"], **base)
    assert percentile["Code"] == "InvalidParameterValue"
    stat = {"Metric": {"Namespace": namespace, "MetricName": "M"}, "Period": 60, "Stat": "Median"}
    bad_stat = error_of(
        cw.get_metric_data, MetricDataQueries=[{"Id": "m1", "MetricStat": stat}], **window()
    )
    assert bad_stat["Code"] == "ValidationError"
    assert bad_stat["Message"] == (
        "The value for parameter MetricDataQueries.member.1.MetricStat.Stat "
        "is not a valid statistic."
    )
    expression = error_of(
        cw.get_metric_data, MetricDataQueries=[{"Id": "e1", "Expression": "SUM(nope)"}],
        **window(),
    )  # fmt: skip
    assert expression["Code"] == "ValidationError"
    assert expression["Message"].startswith("Error in expression e1")
    token = error_of(
        cw.get_metric_data, MetricDataQueries=[{"Id": "e1", "Expression": "SUM(METRICS())"}],
        NextToken="garbage", **window(),
    )  # fmt: skip
    assert token["Code"] == "InvalidNextToken"
    missing = error_of(
        cw_unvalidated.put_metric_data, Namespace=namespace, MetricData=[{"Value": 1.0}]
    )
    assert missing["Code"] == "MissingParameter"


def test_an_operation_not_served_is_a_client_error(cw: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cw.describe_alarms()
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert error["Message"] == "The operation DescribeAlarms is not supported by Nubis yet."
