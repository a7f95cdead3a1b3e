"""ValidationException texts, exactly as Lambda words them.

Formats seen in real Lambda answers (quoted in issues of public repositories):
  aws/aws-cli#3229:  "1 validation error detected: Value 'g1.x' at 'runtime' failed to satisfy
                      constraint: Member must satisfy enum value set: [java8, nodejs, ...]"
  aws/aws-cdk#13264: "... Value 'veryLongFunctionName' at 'functionName' failed to satisfy
                      constraint: Member must have length less than or equal to 64"
  mcohen01/amazonica#194: "1 validation error detected: Value null at 'code' failed to
                      satisfy constraint: Member must not be null"
  highsource/bitcoin-a-day#1: "... at 'kMSKeyArn' ..." (only the first letter lower-cased)
  trek10inc/serverless-secrets#39: "Value at 'environment.variables' failed to satisfy
                      constraint: Map keys must satisfy constraint: [Member must satisfy
                      regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]" (sensitive: no value)
  appleboy/lambda-action#83: "Value '[]' at 'layers' failed to satisfy constraint: Member must
                      satisfy constraint: [Member must have length less than or equal to 2048,
                      Member must have length greater than or equal to 1, Member must satisfy
                      regular expression pattern: ..., Member must not be null]"
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from nubis.api.protocols.rest_json import RestJsonService
from nubis.model.errors import ValidationException

from .conftest import Request

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
GOOD: dict[str, Any] = {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"zip"}}


@pytest.fixture
def error(
    service: RestJsonService, build: Callable[[str, Mapping[str, Any]], Request]
) -> Callable[..., str]:
    """The ValidationException message for a botocore-built request of `operation`."""

    def run(operation: str, params: Mapping[str, Any]) -> str:
        request = build(operation, params)
        name, uri = service.match(request.method, request.path, request.query)
        with pytest.raises(ValidationException) as info:
            service.parse(name, uri, request.query, request.headers, request.body)
        assert info.value.status == 400
        assert info.value.wire_type == "ValidationException"
        return info.value.message

    return run


def test_timeout_over_the_overlay_max(error: Callable[..., str]) -> None:
    assert error("CreateFunction", {**GOOD, "Timeout": 901}) == (
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900"
    )


def test_memory_below_min_and_above_overlay_max(error: Callable[..., str]) -> None:
    assert error("UpdateFunctionConfiguration", {"FunctionName": "f", "MemorySize": 64}) == (
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 128"
    )
    assert error("UpdateFunctionConfiguration", {"FunctionName": "f", "MemorySize": 20000}) == (
        "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy "
        "constraint: Member must have value less than or equal to 10240"
    )


def test_without_overlay_the_model_bounds_apply() -> None:
    plain = RestJsonService("lambda")
    body = json.dumps({**GOOD, "Code": {}, "Timeout": 901, "MemorySize": 20000}).encode()
    assert plain.parse("CreateFunction", {}, {}, {}, body)["Timeout"] == 901


def test_function_name_pattern(
    error: Callable[..., str], model_pattern: Callable[[str], str]
) -> None:
    assert error("CreateFunction", {**GOOD, "FunctionName": "x y"}) == (
        "1 validation error detected: Value 'x y' at 'functionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        + model_pattern("FunctionName")
    )


def test_runtime_not_in_enum(error: Callable[..., str], model: Any) -> None:
    enum = model.shape_for("Runtime").enum
    assert error("CreateFunction", {**GOOD, "Runtime": "python9"}) == (
        "1 validation error detected: Value 'python9' at 'runtime' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(enum)}]"
    )


def test_missing_required_role(error: Callable[..., str]) -> None:
    params = {k: v for k, v in GOOD.items() if k != "Role"}
    assert error("CreateFunction", params) == (
        "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_description_too_long(error: Callable[..., str]) -> None:
    description = "d" * 257
    assert error("CreateFunction", {**GOOD, "Description": description}) == (
        f"1 validation error detected: Value '{description}' at 'description' failed to "
        "satisfy constraint: Member must have length less than or equal to 256"
    )


def test_two_errors_in_member_order(
    error: Callable[..., str], model_pattern: Callable[[str], str]
) -> None:
    assert error("CreateFunction", {**GOOD, "MemorySize": 64, "FunctionName": "x y"}) == (
        "2 validation errors detected: Value 'x y' at 'functionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        + model_pattern("FunctionName")
        + "; Value '64' at 'memorySize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 128"
    )


def test_empty_name_breaks_length_and_pattern(
    service: RestJsonService, model_pattern: Callable[[str], str]
) -> None:
    with pytest.raises(ValidationException) as info:
        service.parse("GetFunction", {"FunctionName": ""}, {}, {}, b"")
    assert info.value.message == (
        "2 validation errors detected: Value '' at 'functionName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; Value '' at "
        "'functionName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: " + model_pattern("NamespacedFunctionName")
    )


def test_nested_member_path(error: Callable[..., str]) -> None:
    assert error("CreateFunction", {**GOOD, "EphemeralStorage": {"Size": 20000}}) == (
        "1 validation error detected: Value '20000' at 'ephemeralStorage.size' failed to "
        "satisfy constraint: Member must have value less than or equal to 10240"
    )
    assert error("CreateFunction", {**GOOD, "EphemeralStorage": {}}) == (
        "1 validation error detected: Value null at 'ephemeralStorage.size' failed to "
        "satisfy constraint: Member must not be null"
    )


def test_sensitive_map_keys_hide_the_value(error: Callable[..., str]) -> None:
    params = {**GOOD, "Environment": {"Variables": {"1BAD": "secret"}}}
    assert error("CreateFunction", params) == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy "
        "constraint: Map keys must satisfy constraint: "
        "[Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    )


def test_list_elements_are_reported_at_the_list(
    error: Callable[..., str], model_pattern: Callable[[str], str]
) -> None:
    params = {**GOOD, "Layers": ["not-an-arn", "x"]}
    assert error("CreateFunction", params) == (
        "1 validation error detected: Value '[not-an-arn, x]' at 'layers' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 2048, Member must have length greater than or equal to 1, Member must "
        "satisfy regular expression pattern: "
        + model_pattern("LayerVersionArn")
        + ", Member must not be null]"
    )


def test_enum_in_header_and_query(error: Callable[..., str]) -> None:
    message = error("Invoke", {"FunctionName": "f", "InvocationType": "Later"})
    assert message.startswith(
        "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
    )
    message = error("ListFunctions", {"MaxItems": 0})
    assert message == (
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_unicode_class_patterns_from_java(service: RestJsonService) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    ok = json.dumps({"Tags": {"Équipe 1": "Ünïcode wert"}}).encode()
    assert service.parse("TagResource", {"Resource": arn}, {}, {}, ok)["Tags"]
    bad = json.dumps({"Tags": {"key": "tab\tnot allowed"}}).encode()
    with pytest.raises(ValidationException, match="Map value must satisfy constraint"):
        service.parse("TagResource", {"Resource": arn}, {}, {}, bad)


def test_string_length_counts_utf16_units(service: RestJsonService) -> None:
    body = json.dumps({**GOOD, "Code": {}, "Description": "😀" * 128}).encode()
    assert service.parse("CreateFunction", {}, {}, {}, body)["Description"]
    body = json.dumps({**GOOD, "Code": {}, "Description": "😀" * 129}).encode()
    with pytest.raises(ValidationException, match="length less than or equal to 256"):
        service.parse("CreateFunction", {}, {}, {}, body)
