"""The query codec against botocore's QuerySerializer and QueryParser, on every operation
of sts, iam, sns and cloudwatch (whose model lists query after rpc-v2-cbor)."""

from __future__ import annotations

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

SERVICES = ("sts", "iam", "sns", "cloudwatch")


def _input_failures(service: str, operation: str) -> str | None:
    codec = codec_for(service, "query")
    shape = load_service(service).operation_model(operation).input_shape
    params = Sampler("query").structure(shape) if shape is not None else {}
    request = request_for("query", service, operation, params)
    found = codec.operation(request)
    parsed = codec.parse(operation, request)
    if found != operation or parsed != visible(shape, params):
        return f"{operation}: {found} {parsed} != {params}"
    return None


def _output_failures(service: str, operation: str) -> str | None:
    codec = codec_for(service, "query")
    shape = load_service(service).operation_model(operation).output_shape
    output = Sampler("query").structure(shape) if shape is not None else {}
    response = codec.serialize(operation, output, "req-1")
    parsed = parse_response("query", response, shape)
    if response.status != 200 or parsed != output:
        return f"{operation}: {parsed} != {output}"
    return None


def _error_failures(service: str, shape_name: str) -> str | None:
    shape = load_service(service).shape_for(shape_name)
    fields = {k: v for k, v in Sampler("query").structure(shape).items() if k.lower() != "message"}
    response = codec_for(service, "query").serialize_error(
        modeled_error(shape_name, "it went ü wrong", **fields), "r-9"
    )
    meta = shape.metadata.get("error", {})
    status = meta.get("httpStatusCode", 400)
    expected = {
        "Code": meta.get("code", shape_name),
        "Message": "it went ü wrong",
        "Type": "Sender" if meta.get("senderFault", status < 500) else "Receiver",
    }
    generic = parse_response("query", response, None)["Error"]
    modeled = parse_response("query", response, shape)
    modeled = {k: v for k, v in modeled.items() if k.lower() != "message"}
    if response.status != status or generic != {**expected, **_texts(generic, fields)}:
        return f"{shape_name}: {response.status} {generic} != {expected}"
    if modeled != fields:
        return f"{shape_name}: {modeled} != {fields}"
    return None


def _texts(generic: dict[str, str], fields: dict[str, object]) -> dict[str, str]:
    """The modeled fields as the generic parse shows them (text), left as they came."""
    return {k: generic[k] for k in generic if k in fields}


@pytest.mark.parametrize("service", SERVICES)
def test_parses_what_botocore_serializes_for_every_operation(service: str) -> None:
    failures = [f for op in operations(service) if (f := _input_failures(service, op))]
    assert failures == []


@pytest.mark.parametrize("service", SERVICES)
def test_botocore_parses_every_output(service: str) -> None:
    failures = [f for op in operations(service) if (f := _output_failures(service, op))]
    assert failures == []


@pytest.mark.parametrize("service", SERVICES)
def test_botocore_reads_every_modeled_error(service: str) -> None:
    failures = [f for e in exception_shapes(service) if (f := _error_failures(service, e))]
    assert failures == []


def _form(body: str, query: str = "", method: str = "POST") -> WireRequest:
    return WireRequest(method, "/", query, {}, body.encode())


def test_get_query_string_and_empty_lists() -> None:
    codec = codec_for("iam")
    request = _form(
        "",
        "Action=CreatePolicyVersion&Version=2010-05-08&PolicyArn=a"
        "&PolicyDocument=%7B%7D&SetAsDefault=false",
        method="GET",
    )
    assert codec.operation(request) == "CreatePolicyVersion"
    assert codec.parse("CreatePolicyVersion", request) == {
        "PolicyArn": "a",
        "PolicyDocument": "{}",
        "SetAsDefault": False,
    }
    empty = _form("Action=GetAccountAuthorizationDetails&Filter=")
    assert codec.parse("GetAccountAuthorizationDetails", empty) == {"Filter": []}


def test_map_entries_with_location_names() -> None:
    """SNS's MessageAttributes: `entry.N.Name` / `entry.N.Value.DataType`."""
    codec = codec_for("sns")
    request = _form(
        "Action=Publish&Message=hi&MessageAttributes.entry.1.Name=colour"
        "&MessageAttributes.entry.1.Value.DataType=String"
        "&MessageAttributes.entry.1.Value.StringValue=bl%C3%BCe"
        "&MessageAttributes.entry.2.Name=n&MessageAttributes.entry.2.Value.DataType=Binary"
        "&MessageAttributes.entry.2.Value.BinaryValue=AAE%3D"
    )
    assert codec.parse("Publish", request) == {
        "Message": "hi",
        "MessageAttributes": {
            "colour": {"DataType": "String", "StringValue": "blüe"},
            "n": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }


def _error_of(codec_service: str, error: NubisError) -> tuple[int, dict[str, str]]:
    response = codec_for(codec_service).serialize_error(error, "r-1")
    return response.status, parse_response("query", response, None)["Error"]


def test_missing_and_unknown_action() -> None:
    codec = codec_for("sts")
    with pytest.raises(NubisError) as missing:
        codec.operation(_form("Version=2011-06-15"))
    assert _error_of("sts", missing.value) == (
        400,
        {
            "Type": "Sender",
            "Code": "MissingAction",
            "Message": "The request is missing an action or a required parameter.",
        },
    )
    with pytest.raises(NubisError) as unknown:
        codec.operation(_form("Action=AssumeNothing&Version=2011-06-15"))
    status, error = _error_of("sts", unknown.value)
    assert (status, error["Code"]) == (400, "InvalidAction")
    assert "AssumeNothing" in error["Message"]


def test_values_not_of_their_type() -> None:
    codec = codec_for("iam")
    for body in ("Action=ListUsers&MaxItems=ten", "Action=CreatePolicyVersion&SetAsDefault=yes"):
        request = _form(body)
        with pytest.raises(NubisError) as bad:
            codec.parse(codec.operation(request), request)
        status, error = _error_of("iam", bad.value)
        assert (status, error["Code"]) == (400, "InvalidParameterValue")
    with pytest.raises(NubisError) as undecodable:
        codec.operation(WireRequest("POST", "/", "", {}, b"Action=\xff\xfe"))
    assert _error_of("iam", undecodable.value)[0] == 404


def test_receiver_fault_and_unmodeled_error() -> None:
    status, error = _error_of("sns", modeled_error("InternalErrorException", "boom"))
    assert (status, error["Code"], error["Type"]) == (500, "InternalError", "Receiver")
    status, error = _error_of("sts", modeled_error("SomethingElse", "odd"))
    assert (status, error["Code"], error["Type"]) == (400, "SomethingElse", "Sender")
