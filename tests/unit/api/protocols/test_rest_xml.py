"""The rest-xml codec against botocore's RestXMLSerializer and RestXMLParser, on every
operation of s3 (path-style requests)."""

from __future__ import annotations

from typing import Any

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

# Operations whose requests botocore writes identically (same method, path, query and
# headers for the same input): the codec answers the first, non-deprecated one.
SAME_WIRE_FORM = {
    "GetBucketLifecycle": "GetBucketLifecycleConfiguration",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "GetBucketNotification": "GetBucketNotificationConfiguration",
    "PutBucketNotification": "PutBucketNotificationConfiguration",
    "ListDirectoryBuckets": "ListBuckets",
}


# botocore's own parser reads S3's deprecated notification shapes wrongly: `Event` and
# the flattened list `Events` share one element name, and it gives both the elements.
BOTOCORE_CANNOT_PARSE = {"GetBucketNotification"}


def _input_failure(operation: str) -> str | None:
    codec = codec_for("s3")
    shape = load_service("s3").operation_model(operation).input_shape
    params = Sampler("rest-xml").structure(shape) if shape is not None else {}
    request = request_for("rest-xml", "s3", operation, params)
    found = codec.operation(request)
    if found != SAME_WIRE_FORM.get(operation, operation):
        return f"{operation}: routed to {found}"
    parsed = codec.parse(operation, request)
    if parsed != visible(shape, params):
        return f"{operation}: {parsed} != {params}"
    return None


def _as_botocore_reads(shape: Any, output: dict[str, Any]) -> dict[str, Any]:
    """A raw payload comes back as text (botocore hands it over as a stream otherwise)."""
    payload = shape.serialization.get("payload") if shape is not None else None
    if payload in output and shape.members[payload].type_name in ("blob", "string"):
        value = output[payload]
        return {**output, payload: value.decode() if isinstance(value, bytes) else value}
    return output


def _output_failure(operation: str) -> str | None:
    codec = codec_for("s3")
    shape = load_service("s3").operation_model(operation).output_shape
    output = Sampler("rest-xml").structure(shape) if shape is not None else {}
    response = codec.serialize(operation, output, "req-1")
    parsed = parse_response("rest-xml", response, shape)
    if parsed != _as_botocore_reads(shape, output):
        return f"{operation}: {parsed} != {output}"
    return None


def test_parses_what_botocore_serializes_for_every_operation() -> None:
    failures = [f for op in operations("s3") if (f := _input_failure(op))]
    assert failures == []


def test_botocore_parses_every_output() -> None:
    failures = [
        f
        for op in operations("s3")
        if op not in BOTOCORE_CANNOT_PARSE and (f := _output_failure(op))
    ]
    assert failures == []


def test_botocore_reads_every_modeled_error() -> None:
    failures = []
    codec = codec_for("s3")
    for name in exception_shapes("s3"):
        shape = load_service("s3").shape_for(name)
        fields = Sampler("rest-xml").structure(shape)
        response = codec.serialize_error(modeled_error(name, "no ü such", **fields), "r-2")
        error = parse_response("rest-xml", response, None)["Error"]
        if response.status != shape.metadata["error"]["httpStatusCode"]:
            failures.append(f"{name}: status {response.status}")
        if (error["Code"], error["Message"]) != (name, "no ü such"):
            failures.append(f"{name}: {error}")
        modeled = parse_response("rest-xml", response, shape)
        if modeled != fields:
            failures.append(f"{name}: {modeled} != {fields}")
    assert failures == []


def _put(headers: dict[str, str], query: str = "") -> str:
    return codec_for("s3").operation(WireRequest("PUT", "/bucket/a/b.txt", query, headers, b"data"))


def test_operations_sharing_a_route_are_told_apart() -> None:
    assert _put({}) == "PutObject"
    assert _put({"x-amz-copy-source": "/src/k"}) == "CopyObject"
    assert _put({}, "partNumber=1&uploadId=u") == "UploadPart"
    assert _put({"X-Amz-Copy-Source": "/src/k"}, "partNumber=1&uploadId=u") == "UploadPartCopy"


def test_greedy_key_and_metadata_headers() -> None:
    codec = codec_for("s3")
    request = WireRequest(
        "PUT",
        "/my-bucket/photos/2024/%C3%BC%20x%2By.jpg",
        "",
        {"X-Amz-Meta-Colour": "blue", "x-amz-meta-size": "3", "Content-Type": "image/jpeg"},
        b"\xff\xd8",
    )
    assert codec.operation(request) == "PutObject"
    assert codec.parse("PutObject", request) == {
        "Bucket": "my-bucket",
        "Key": "photos/2024/ü x+y.jpg",
        "Metadata": {"colour": "blue", "size": "3"},
        "ContentType": "image/jpeg",
        "Body": b"\xff\xd8",
    }


def _error(request: WireRequest, operation: str | None = None) -> dict[str, Any]:
    codec = codec_for("s3")
    with pytest.raises(NubisError) as raised:
        codec.parse(operation or codec.operation(request), request)
    response = codec.serialize_error(raised.value, "r-3")
    return {"status": response.status, **parse_response("rest-xml", response, None)["Error"]}


def test_malformed_and_dtd_bodies() -> None:
    for body in (b"<Tagging><TagSet>", b'<!DOCTYPE x [<!ENTITY a "b">]><Tagging/>'):
        request = WireRequest("PUT", "/b", "tagging", {}, body)
        error = _error(request)
        assert (error["status"], error["Code"]) == (400, "MalformedXML")


def test_text_payload_that_is_not_utf8() -> None:
    error = _error(WireRequest("PUT", "/b", "policy", {}, b"{\xff}"))
    assert (error["status"], error["Code"]) == (400, "InvalidArgument")


def test_unreadable_header_and_unknown_method() -> None:
    request = WireRequest("GET", "/b/k", "", {"If-Modified-Since": "yesterday"}, b"")
    error = _error(request)
    assert (error["status"], error["Code"]) == (400, "InvalidArgument")
    error = _error(WireRequest("PATCH", "/b/k", "", {}, b""))
    assert (error["status"], error["Code"]) == (405, "MethodNotAllowed")


def test_s3_error_shape_with_fields() -> None:
    response = codec_for("s3").serialize_error(modeled_error("NoSuchKey", "The key"), "r-4")
    assert response.status == 404
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>')
    parsed = parse_response("rest-xml", response, None)
    assert parsed["Error"] == {"Code": "NoSuchKey", "Message": "The key"}
