"""CloudWatch's wire forms that no botocore client of today sends: a query-protocol GET
(older SDKs and CLIs), the CBOR error's `x-amzn-query-error`, and gzip bodies that inflate
past 1 MB."""

from __future__ import annotations

import gzip
import http.client
import json
from urllib.parse import urlsplit
from xml.etree import ElementTree

import cbor2

from tests.helpers import Server

SCOPE = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, x"
TARGET = "GraniteServiceVersion20100801"
NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"


def send(
    server: Server, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    where = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Authorization": SCOPE, **headers})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_query_get_lists_metrics_as_xml(server: Server) -> None:
    status, _headers, body = send(
        server, "GET", "/?Action=ListMetrics&Version=2010-08-01&Namespace=None%2FSuch", b"", {}
    )
    assert status == 200
    root = ElementTree.fromstring(body)
    assert root.tag == f"{NS}ListMetricsResponse"
    assert root.find(f"{NS}ListMetricsResult/{NS}Metrics") is not None
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId") is not None


def test_cbor_error_names_the_query_code(server: Server) -> None:
    document = {"Namespace": "AWS/Lambda", "MetricData": [{"MetricName": "M", "Value": 1.0}]}
    status, headers, body = send(
        server, "POST", f"/service/{TARGET}/operation/PutMetricData", cbor2.dumps(document),
        {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"},
    )  # fmt: skip
    assert status == 400
    assert headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    error = cbor2.loads(body)
    assert error["__type"].endswith("#InvalidParameterValueException")


def test_json_error_names_the_query_code(server: Server) -> None:
    status, headers, body = send(
        server, "POST", "/", json.dumps({"Namespace": "x", "MetricName": "m"}).encode(),
        {"X-Amz-Target": f"{TARGET}.GetMetricStatistics",
         "Content-Type": "application/x-amz-json-1.0"},
    )  # fmt: skip
    assert status == 400
    assert headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert json.loads(body)["__type"].endswith("#MissingRequiredParameterException")


def test_gzip_that_inflates_past_a_megabyte_is_refused(server: Server) -> None:
    form = b"Action=ListMetrics&Version=2010-08-01&Namespace=" + b"a" * (1024 * 1024 + 1)
    status, _headers, body = send(
        server, "POST", "/", gzip.compress(form),
        {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 413
    assert b"larger than 1048576 bytes once decompressed" in body


def test_a_body_that_is_not_gzip_is_refused(server: Server) -> None:
    status, _headers, body = send(
        server, "POST", "/", b"Action=ListMetrics",
        {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert status == 400
    assert b"not valid gzip" in body
