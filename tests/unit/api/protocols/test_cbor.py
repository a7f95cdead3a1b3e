"""The smithy-rpc-v2-cbor codec against botocore's RpcV2CBORSerializer and
RpcV2CBORParser, on every operation of cloudwatch (the model's first protocol)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cbor2
import pytest

from nubis.api.protocols import WireRequest, codec_for
from nubis.api.protocols.shapes import load_service
from nubis.model.errors import NubisError
from tests.unit.api.protocols.botocore_side import (
    Sampler,
    operations,
    parse_response,
    request_for,
    visible,
)
from tests.unit.api.protocols.errors_side import exception_shapes, modeled_error

PROTOCOL = "smithy-rpc-v2-cbor"
PATH = "/service/GraniteServiceVersion20100801/operation/"
HEADERS = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}


def _input_failure(operation: str) -> str | None:
    codec = codec_for("cloudwatch")
    shape = load_service("cloudwatch").operation_model(operation).input_shape
    params = Sampler(PROTOCOL).structure(shape) if shape is not None else {}
    request = request_for(PROTOCOL, "cloudwatch", operation, params)
    found = codec.operation(request)
    parsed = codec.parse(operation, request)
    if found != operation or parsed != visible(shape, params):
        return f"{operation}: {found} {parsed} != {params}"
    return None


def _output_failure(operation: str) -> str | None:
    codec = codec_for("cloudwatch")
    shape = load_service("cloudwatch").operation_model(operation).output_shape
    output = Sampler(PROTOCOL).structure(shape) if shape is not None else {}
    response = codec.serialize(operation, output, "req-1")
    if response.headers["smithy-protocol"] != "rpc-v2-cbor":
        return f"{operation}: no smithy-protocol header"
    parsed = parse_response(PROTOCOL, response, shape)
    if parsed != output:
        return f"{operation}: {parsed} != {output}"
    return None


def test_parses_what_botocore_serializes_for_every_operation() -> None:
    failures = [f for op in operations("cloudwatch") if (f := _input_failure(op))]
    assert failures == []


def test_botocore_parses_every_output() -> None:
    failures = [f for op in operations("cloudwatch") if (f := _output_failure(op))]
    assert failures == []


def test_botocore_reads_every_modeled_error() -> None:
    """CloudWatch is query-compatible: botocore takes the code from x-amzn-query-error."""
    codec = codec_for("cloudwatch")
    failures = []
    for name in exception_shapes("cloudwatch"):
        shape = load_service("cloudwatch").shape_for(name)
        fields = {k: v for k, v in Sampler(PROTOCOL).structure(shape).items() if k != "Message"}
        fields.pop("message", None)
        response = codec.serialize_error(modeled_error(name, "cbor ü error", **fields), "r-5")
        meta = shape.metadata.get("error", {})
        error = parse_response(PROTOCOL, response, None)["Error"]
        expected_status = meta.get("httpStatusCode", 400)
        if response.status != expected_status or error["Code"] != meta.get("code", name):
            failures.append(f"{name}: {response.status} {error}")
        if error["Message"] != "cbor ü error" or error.get("QueryErrorCode") != name:
            failures.append(f"{name}: {error}")
        modeled = parse_response(PROTOCOL, response, shape)
        modeled = {k: v for k, v in modeled.items() if k.lower() != "message"}
        if modeled != fields:
            failures.append(f"{name}: {modeled} != {fields}")
    assert failures == []


def _request(operation: str, document: Any, path: str = PATH) -> WireRequest:
    return WireRequest("POST", path + operation, "", HEADERS, cbor2.dumps(document))


def test_timestamps_numbers_and_blobs_on_the_wire() -> None:
    codec = codec_for("cloudwatch")
    request = _request(
        "PutMetricData",
        {
            "Namespace": "ns",
            "MetricData": [
                {"MetricName": "a", "Timestamp": cbor2.CBORTag(1, 1700000000.25), "Value": 2},
                {"MetricName": "b", "Timestamp": 1700000001, "Values": [1.0, None]},
            ],
            "StrictEntityValidation": None,
        },
    )
    assert codec.parse(codec.operation(request), request) == {
        "Namespace": "ns",
        "MetricData": [
            {
                "MetricName": "a",
                "Timestamp": datetime(2023, 11, 14, 22, 13, 20, 250000, tzinfo=UTC),
                "Value": 2.0,
            },
            {
                "MetricName": "b",
                "Timestamp": datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC),
                "Values": [1.0, None],
            },
        ],
    }
    response = codec.serialize("GetMetricWidgetImage", {"MetricWidgetImage": b"\x89PNG"}, "r-6")
    assert cbor2.loads(response.body) == {"MetricWidgetImage": b"\x89PNG"}
    alarms = codec.serialize(
        "DescribeAlarmHistory",
        {"AlarmHistoryItems": [{"Timestamp": datetime(2024, 1, 1, tzinfo=UTC)}]},
        "r-7",
    )
    # tag 1 (0xc1) over an unsigned 32-bit integer (0x1a): epoch seconds, no fraction
    assert b"\xc1\x1a" + (1704067200).to_bytes(4, "big") in alarms.body


def _error_of(request: WireRequest) -> dict[str, Any]:
    codec = codec_for("cloudwatch")
    with pytest.raises(NubisError) as raised:
        codec.parse(codec.operation(request), request)
    response = codec.serialize_error(raised.value, "r-8")
    return {"status": response.status, **parse_response(PROTOCOL, response, None)["Error"]}


def test_requests_it_cannot_read() -> None:
    unknown = _error_of(_request("PutNothing", {}))
    assert (unknown["status"], unknown["Code"]) == (404, "UnknownOperationException")
    elsewhere = _error_of(_request("PutMetricData", {}, "/service/Other/operation/"))
    assert elsewhere["status"] == 404
    garbage = WireRequest("POST", PATH + "PutMetricData", "", HEADERS, b"\xff\x00")
    for request in (
        garbage,
        _request("PutMetricData", ["not", "a", "map"]),
        _request("PutMetricData", {"Namespace": 7}),
        _request("PutMetricData", {"MetricData": [{"Timestamp": "yesterday"}]}),
        # nested past cbor2's container limit (400): refused, not a RecursionError
        WireRequest("POST", PATH + "PutMetricData", "", HEADERS, b"\x81" * 100_000 + b"\x00"),
    ):
        error = _error_of(request)
        assert (error["status"], error["Code"]) == (400, "SerializationException")
