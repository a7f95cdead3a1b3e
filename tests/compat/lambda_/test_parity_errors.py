"""Issue 11, causes 4-7 and 9 through boto3 against a real server: validation Lambda does,
its error codes, statuses and messages, provisioned-concurrency behaviour, and the cheap
per-function settings operations."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ROLE, create

HELLO = """
def handler(event, context):
    return {"ok": True}
"""

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def fails(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return error_of(exc)


# ----------------------------------------------------------------- cause 5: codes


def test_unknown_runtime_is_invalid_parameter_value(client: Any, name: str) -> None:
    code, message, status = fails(create, client=client, name=name, code=HELLO, Runtime="cobol85")
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith(
        "Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        "value set: [nodejs, "
    )
    assert message.endswith("] or be a valid ARN")


def test_deprecated_runtime_has_lambdas_message(client: Any, name: str) -> None:
    """Runtimes past "block function create" in
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated
    are refused with Lambda's words, distinct from runtimes this host cannot run."""
    code, message, status = fails(create, client=client, name=name, code=HELLO, Runtime="python3.8")
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert re.fullmatch(
        r"The runtime parameter of python3\.8 is no longer supported for creating or updating "
        r"AWS Lambda functions\. We recommend you use the new runtime \(python3\.\d+\) while "
        r"creating or updating functions\.",
        message,
    )
    code, message, status = fails(
        create, client=client, name=name, code=HELLO, Runtime="java21", Handler="a.B::h"
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith("The runtime parameter of java21 is not supported on this host.")


def test_architecture_the_host_cannot_run_is_refused(client: Any, name: str) -> None:
    host = client.list_functions()  # any call; the host's architecture is the server's
    assert host
    import platform

    other = "x86_64" if platform.machine() in ("aarch64", "arm64") else "arm64"
    code, message, status = fails(
        create, client=client, name=name, code=HELLO, Architectures=[other]
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith(f"The architecture {other} is not supported on this host")


def test_deleting_a_missing_provisioned_config_is_204(client: Any, name: str) -> None:
    create(client, name, HELLO, Publish=True)
    out = client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204


# ----------------------------------------------------------------- cause 6: messages


def test_not_found_names_the_latest_arn(client: Any, name: str) -> None:
    for call in (client.get_function, client.get_function_configuration):
        assert fails(call, FunctionName=name) == (
            "ResourceNotFoundException",
            f"Function not found: {ARN}{name}:$LATEST",
            404,
        )


def test_an_unknown_alias_as_qualifier(client: Any, name: str) -> None:
    create(client, name, HELLO)
    assert fails(client.get_function_configuration, FunctionName=name, Qualifier="nope") == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {ARN}{name}:nope",
        404,
    )


def test_event_invoke_config_errors(client: Any, name: str) -> None:
    """Lambda's words for the event-invoke-config errors
    (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html)."""
    assert fails(client.put_function_event_invoke_config, FunctionName=name) == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    )
    assert fails(
        client.put_function_event_invoke_config, FunctionName=name, MaximumRetryAttempts=1
    ) == ("ResourceNotFoundException", "The function doesn't exist.", 404)
    assert fails(client.get_function_event_invoke_config, FunctionName=name) == (
        "ResourceNotFoundException",
        f"The function {ARN}{name}:$LATEST doesn't have an EventInvokeConfig",
        404,
    )
    create(client, name, HELLO)
    assert fails(client.delete_function_event_invoke_config, FunctionName=name) == (
        "ResourceNotFoundException",
        f"The function {ARN}{name}:$LATEST doesn't have an EventInvokeConfig",
        404,
    )
    itself = {"OnFailure": {"Destination": f"{ARN}{name}"}}
    assert fails(
        client.put_function_event_invoke_config, FunctionName=name, DestinationConfig=itself
    ) == (
        "InvalidParameterValueException",
        "You can't specify the function as a destination for itself.",
        400,
    )
    missing = f"{ARN}{name}-missing"
    assert fails(
        client.put_function_event_invoke_config,
        FunctionName=name,
        DestinationConfig={"OnSuccess": {"Destination": missing}},
    ) == ("InvalidParameterValueException", f"The destination ARN {missing} is invalid.", 400)


def test_runtime_exit_without_a_reason(client: Any, name: str) -> None:
    create(client, name, "import os\ndef handler(event, context):\n    os._exit(0)\n")
    out = client.invoke(FunctionName=name)
    assert out["FunctionError"] == "Unhandled"
    body = json.loads(out["Payload"].read())
    assert body["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        r"RequestId: [0-9a-f-]{36} Error: Runtime exited without providing a reason",
        body["errorMessage"],
    )


def test_response_limit_is_6291556_bytes(client: Any, name: str) -> None:
    """ "When the Lambda docs say 6 MB, they mean 6,291,556 bytes": up to it passes, one
    byte more is Function.ResponseSizeTooLarge."""
    create(
        client,
        name,
        "def handler(event, context):\n    return 'x' * (6291556 - 2 + event)\n",
        MemorySize=512,
    )
    ok = client.invoke(FunctionName=name, Payload=b"0")
    assert "FunctionError" not in ok
    assert len(ok["Payload"].read()) == 6291556
    big = client.invoke(FunctionName=name, Payload=b"1")
    assert big["FunctionError"] == "Unhandled"
    assert json.loads(big["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


# ----------------------------------------------------------------- cause 3: regions


def test_an_arn_of_another_region_is_not_reachable(client: Any, name: str) -> None:
    create(client, name, HELLO)
    other = f"arn:aws:lambda:eu-central-1:000000000000:function:{name}"
    expected = (
        "ResourceNotFoundException",
        "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
        404,
    )
    assert fails(client.get_function, FunctionName=other) == expected
    assert fails(client.invoke, FunctionName=other) == expected
    assert fails(create, client=client, name=other, code=HELLO) == expected


# ----------------------------------------------------------------- cause 4: validation


def test_function_name_is_at_most_64_characters(client: Any, name: str) -> None:
    long_name = (name + "x" * 65)[:65]
    assert fails(create, client=client, name=long_name, code=HELLO) == (
        "InvalidParameterValueException",
        f"1 validation error detected: Value '{long_name}' at 'functionName' failed to "
        "satisfy constraint: Member must have length less than or equal to 64",
        400,
    )
    create(client, long_name[:64], HELLO)
    client.delete_function(FunctionName=f"{ARN}{long_name[:64]}")  # an ARN may be longer


def test_tag_limits(client: Any, name: str) -> None:
    """Limits of https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html."""
    create(client, name, HELLO)
    arn = f"{ARN}{name}"
    assert fails(client.tag_resource, Resource=arn, Tags={}) == (
        "InvalidParameterValueException",
        "An error occurred and the request cannot be processed.",
        400,
    )
    many = {f"k{i}": "v" for i in range(51)}
    assert fails(client.tag_resource, Resource=arn, Tags=many) == (
        "InvalidParameterValueException",
        "Number of tags exceeds function tag limit.",
        400,
    )
    assert fails(client.tag_resource, Resource=f"{arn}:1", Tags={"a": "b"}) == (
        "InvalidParameterValueException",
        "Tagging operations are permitted on Lambda functions only. Tags on aliases and "
        "versions are not supported. Please specify either a function name or a function ARN.",
        400,
    )


def test_concurrency_calls_refuse_qualified_arns(client: Any, name: str) -> None:
    create(client, name, HELLO, Publish=True)
    message = (
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN."
    )
    for call, extra in (
        (client.put_function_concurrency, {"ReservedConcurrentExecutions": 1}),
        (client.get_function_concurrency, {}),
        (client.delete_function_concurrency, {}),
    ):
        assert fails(call, FunctionName=f"{ARN}{name}:1", **extra) == (
            "InvalidParameterValueException",
            message,
            400,
        )


def test_provisioned_concurrency_above_what_is_available(client: Any, name: str) -> None:
    """Provisioned concurrency comes out of the unreserved pool, which keeps its minimum
    (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html)."""
    create(client, name, HELLO, Publish=True)
    assert fails(
        client.put_provisioned_concurrency_config,
        FunctionName=name,
        Qualifier="1",
        ProvisionedConcurrentExecutions=901,
    ) == (
        "InvalidParameterValueException",
        "Specified ConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].",
        400,
    )
    listed = client.list_provisioned_concurrency_configs(FunctionName=name)
    assert listed["ProvisionedConcurrencyConfigs"] == []


def test_layer_version_below_one(client: Any, name: str) -> None:
    for call in (client.get_layer_version, client.delete_layer_version):
        assert fails(call, LayerName=name, VersionNumber=0) == (
            "InvalidParameterValueException",
            "Layer Version Cannot be less than 1",
            400,
        )


def test_unzipped_limit_refuses_exactly_262144000_bytes(client: Any, name: str) -> None:
    """ "must be smaller than": the quota itself (250 MB = 262,144,000 bytes) is refused
    (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
    code = HELLO.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("lambda_function.py", code)
        with zf.open("zeros.bin", "w", force_zip64=True) as f:
            left = 262_144_000 - len(code)
            while left:
                f.write(b"\0" * min(left, 1 << 20))
                left -= min(left, 1 << 20)
    assert fails(
        client.create_function,
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": buf.getvalue()},
    ) == (
        "InvalidParameterValueException",
        "Unzipped size must be smaller than 262144000 bytes",
        400,
    )


# ----------------------------------------------------------------- cause 7: behaviour


def test_provisioned_alias_and_its_version_conflict(client: Any, name: str) -> None:
    create(client, name, HELLO, Publish=True)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    put = client.put_provisioned_concurrency_config
    put(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    assert fails(put, FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1) == (
        "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already "
        "Provisioned version",
        409,
    )
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    put(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert fails(put, FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1) == (
        "ResourceConflictException",
        "Version is pointed by a Provisioned Concurrency alias",
        409,
    )
    assert fails(
        client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST"
    ) == (
        "InvalidParameterValueException",
        "The function resource provided must be an alias or a published version.",
        400,
    )
    # Deleting the alias removes its configuration.
    client.delete_alias(FunctionName=name, Name="live")
    listed = client.list_provisioned_concurrency_configs(FunctionName=name)
    assert listed["ProvisionedConcurrencyConfigs"] == []
    client.delete_function(FunctionName=name)


# ----------------------------------------------------------------- cause 9: settings


def test_code_signing_runtime_management_and_recursion(client: Any, name: str) -> None:
    """GetFunctionCodeSigningConfig of a function without one, runtime management
    (https://docs.aws.amazon.com/lambda/latest/api/API_GetRuntimeManagementConfig.html: no
    runtime version ARN unless the mode is Manual) and the recursive-loop setting
    (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionRecursionConfig.html)."""
    create(client, name, HELLO)
    signing = client.get_function_code_signing_config(FunctionName=name)
    signing.pop("ResponseMetadata")
    assert signing == {}
    got = client.get_runtime_management_config(FunctionName=name)
    assert (got["UpdateRuntimeOn"], got["FunctionArn"]) == ("Auto", f"{ARN}{name}:$LATEST")
    assert "RuntimeVersionArn" not in got
    runtime_arn = client.get_function_configuration(FunctionName=name)["RuntimeVersionConfig"][
        "RuntimeVersionArn"
    ]
    put = client.put_runtime_management_config(
        FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=runtime_arn
    )
    assert (put["UpdateRuntimeOn"], put["RuntimeVersionArn"]) == ("Manual", runtime_arn)
    got = client.get_runtime_management_config(FunctionName=name)
    assert got["RuntimeVersionArn"] == runtime_arn
    assert client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Terminate"
    out = client.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    assert out["RecursiveLoop"] == "Allow"
    assert client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Allow"
    assert fails(client.get_function_recursion_config, FunctionName=f"{name}-missing") == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}{name}-missing:$LATEST",
        404,
    )
