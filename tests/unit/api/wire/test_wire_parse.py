"""match + parse round-trip the params boto3 sends, for the operations Nubis serves first."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from nubis.api.protocols.rest_json import RestJsonService
from nubis.model.errors import InvalidRequestContentException, UnknownOperationException

from .conftest import Request

RoundTrip = Callable[[str, Mapping[str, Any]], dict[str, Any]]
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def test_create_function(roundtrip: RoundTrip) -> None:
    params = {
        "FunctionName": "my-function",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": b"PK\x03\x04 zip bytes \xff"},
        "Description": "hello",
        "Timeout": 30,
        "MemorySize": 256,
        "Publish": True,
        "Environment": {"Variables": {"STAGE": "dev", "KEY_2": "x=y"}},
        "EphemeralStorage": {"Size": 1024},
        "Architectures": ["x86_64"],
        "Tags": {"team": "a"},
    }
    assert roundtrip("CreateFunction", params) == params


def test_invoke_with_headers_and_qualifier(roundtrip: RoundTrip) -> None:
    params = {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": base64.b64encode(b'{"custom":{"a":1}}').decode(),
        "Payload": b'{"hello": "world"}',
        "Qualifier": "$LATEST",
    }
    assert roundtrip("Invoke", params) == params


def test_invoke_event_without_payload(roundtrip: RoundTrip) -> None:
    params = {"FunctionName": "f", "InvocationType": "Event", "Qualifier": "live"}
    assert roundtrip("Invoke", params) == params


def test_get_function_and_delete_with_qualifier(roundtrip: RoundTrip) -> None:
    assert roundtrip("GetFunction", {"FunctionName": "f", "Qualifier": "3"}) == {
        "FunctionName": "f",
        "Qualifier": "3",
    }
    assert roundtrip("DeleteFunction", {"FunctionName": "f"}) == {"FunctionName": "f"}


def test_list_functions_paging(roundtrip: RoundTrip) -> None:
    params = {"Marker": "token/with+chars==", "MaxItems": 7, "FunctionVersion": "ALL"}
    parsed = roundtrip("ListFunctions", params)
    assert parsed == params
    assert isinstance(parsed["MaxItems"], int)
    assert roundtrip("ListFunctions", {}) == {}


def test_update_function_configuration(roundtrip: RoundTrip) -> None:
    params = {
        "FunctionName": "f",
        "Timeout": 900,
        "MemorySize": 10240,
        "Environment": {"Variables": {}},
        "Layers": [],
        "RevisionId": "abc",
    }
    assert roundtrip("UpdateFunctionConfiguration", params) == params


def test_update_function_code(roundtrip: RoundTrip) -> None:
    params = {"FunctionName": "f", "ZipFile": b"\x00\x01zip", "Publish": False, "DryRun": True}
    assert roundtrip("UpdateFunctionCode", params) == params


def test_get_account_settings(roundtrip: RoundTrip) -> None:
    assert roundtrip("GetAccountSettings", {}) == {}


def test_list_of_strings_in_querystring_and_fixed_query_routes(roundtrip: RoundTrip) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3"
    assert roundtrip("GetLayerVersionByArn", {"Arn": arn}) == {"Arn": arn}
    assert roundtrip("ListLayers", {"CompatibleRuntime": "python3.12"}) == {
        "CompatibleRuntime": "python3.12"
    }
    assert roundtrip("ListProvisionedConcurrencyConfigs", {"FunctionName": "f"}) == {
        "FunctionName": "f"
    }
    assert roundtrip(
        "GetProvisionedConcurrencyConfig", {"FunctionName": "f", "Qualifier": "1"}
    ) == {
        "FunctionName": "f",
        "Qualifier": "1",
    }
    keys = ["a", "b c"]
    assert (
        roundtrip(
            "UntagResource",
            {"Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "TagKeys": keys},
        )["TagKeys"]
        == keys
    )


def test_percent_encoded_labels_are_decoded(service: RestJsonService) -> None:
    found = service.match("POST", "/2015-03-31/functions/123456789012%3Afunction%3Af/invocations")
    assert found == ("Invoke", {"FunctionName": "123456789012:function:f"})


def test_query_in_path_is_used_when_no_query_given(service: RestJsonService) -> None:
    assert service.match("GET", "/2018-10-31/layers?find=LayerVersion&Arn=x")[0] == (
        "GetLayerVersionByArn"
    )
    assert service.match("GET", "/2018-10-31/layers")[0] == "ListLayers"


def test_headers_are_case_insensitive(service: RestJsonService) -> None:
    parsed = service.parse(
        "Invoke", {"FunctionName": "f"}, {}, {"x-amz-invocation-type": "DryRun"}, b"{}"
    )
    assert parsed == {"FunctionName": "f", "InvocationType": "DryRun", "Payload": b"{}"}


def test_query_as_the_server_parses_it(service: RestJsonService) -> None:
    from urllib.parse import parse_qs

    query = parse_qs("Marker=m&MaxItems=3", keep_blank_values=True)  # what the Lambda codec does
    assert service.parse("ListFunctions", {}, query, {}, b"") == {"Marker": "m", "MaxItems": 3}


def test_unknown_route_and_wrong_method(service: RestJsonService) -> None:
    with pytest.raises(UnknownOperationException, match="No operation matches GET /nope"):
        service.match("GET", "/nope")
    with pytest.raises(UnknownOperationException, match="does not support method PATCH") as info:
        service.match("PATCH", "/2015-03-31/functions/f")
    assert "DELETE, GET" in info.value.message
    assert info.value.status == 404


def test_body_that_is_not_json(service: RestJsonService, build: Callable[..., Request]) -> None:
    request = build("CreateFunction", {"FunctionName": "f"})
    with pytest.raises(InvalidRequestContentException) as info:
        service.parse("CreateFunction", {}, {}, request.headers, b"{not json")
    assert info.value.message.startswith("Could not parse request body into json: ")
    assert info.value.status == 400
    with pytest.raises(InvalidRequestContentException):
        service.parse("CreateFunction", {}, {}, {}, b"[1, 2]")


def test_wrong_json_types_and_bad_base64(service: RestJsonService) -> None:
    body = {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": "!!not base64!!"}}
    with pytest.raises(InvalidRequestContentException, match="not valid base64"):
        service.parse("CreateFunction", {}, {}, {}, json.dumps(body).encode())
    body = {"FunctionName": "f", "Role": ROLE, "Code": {}, "Timeout": "soon"}
    with pytest.raises(InvalidRequestContentException, match="expected an integer"):
        service.parse("CreateFunction", {}, {}, {}, json.dumps(body).encode())


def test_unknown_body_fields_are_ignored(service: RestJsonService) -> None:
    body = {"FunctionName": "f", "Role": ROLE, "Code": {"S3Bucket": "bucket"}, "Future": 1}
    parsed = service.parse("CreateFunction", {}, {}, {}, json.dumps(body).encode())
    assert parsed == {"FunctionName": "f", "Role": ROLE, "Code": {"S3Bucket": "bucket"}}


def test_trailing_slash_is_tolerated(service: RestJsonService) -> None:
    assert service.match("GET", "/2015-03-31/functions/") == ("ListFunctions", {})
    assert service.match("GET", "/2015-03-31/functions/f/") == (
        "GetFunction",
        {"FunctionName": "f"},
    )
