"""Invoking functions through boto3 against a real server: Lambda's runtime behaviour."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create


def invoke(client: Any, name: str, payload: Any = None, **kw: Any) -> tuple[Any, Any]:
    body = b"" if payload is None else json.dumps(payload).encode()
    out = client.invoke(FunctionName=name, Payload=body, **kw)
    raw = out["Payload"].read()
    return out, (json.loads(raw) if raw else None)


CONTEXT = """
import os, sys, time
def handler(event, context):
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": int(context.memory_limit_in_mb),
        "remaining": context.get_remaining_time_in_millis(),
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": context.identity is not None,
        "client_context": (context.client_context.custom
                           if context.client_context else None),
        "cwd": os.getcwd(),
        "path0": sys.path[:3],
        "env": {k: v for k, v in os.environ.items()
                if k.startswith(("AWS_", "LAMBDA_", "_HANDLER", "MY_", "TZ"))},
    }
"""


def test_event_context_and_environment(client: Any, name: str) -> None:
    create(
        client,
        name,
        CONTEXT,
        MemorySize=256,
        Timeout=7,
        Environment={"Variables": {"MY_VAR": "mine"}},
    )
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    out, body = invoke(client, name, {"a": [1, 2]}, ClientContext=ctx)
    assert out["StatusCode"] == 200
    assert "FunctionError" not in out
    assert out["ExecutedVersion"] == "$LATEST"
    assert body["event"] == {"a": [1, 2]}
    assert body["request_id"] == out["ResponseMetadata"]["RequestId"]
    assert body["request_id"] == out["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"].endswith(f":function:{name}")
    assert body["memory_limit_in_mb"] == 256
    assert 5000 < body["remaining"] <= 7000
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert "[$LATEST]" in body["log_stream_name"]
    assert body["client_context"] == {"k": "v"}
    env = body["env"]
    assert env["MY_VAR"] == "mine"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "lambda_function.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["AWS_LAMBDA_RUNTIME_API"]
    assert body["cwd"] == env["LAMBDA_TASK_ROOT"]
    assert env["LAMBDA_TASK_ROOT"] in body["path0"]


def test_nested_handler_and_empty_payload(client: Any, name: str) -> None:
    create(
        client,
        name,
        {"pkg/__init__.py": "", "pkg/mod.py": "def run(event, context):\n    return event\n"},
        Handler="pkg.mod.run",
    )
    _out, body = invoke(client, name)
    assert body == {}


def test_unhandled_exception(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        def handler(event, context):
            raise ValueError("boom")
    """,
    )
    out, body = invoke(client, name, {})
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom"
    assert body["requestId"] == out["ResponseMetadata"]["RequestId"]
    assert isinstance(body["stackTrace"], list)
    assert body["stackTrace"]


@pytest.mark.parametrize(
    ("files", "handler", "error_type"),
    [
        (
            {"lambda_function.py": "import does_not_exist\n"},
            "lambda_function.handler",
            "Runtime.ImportModuleError",
        ),
        ({"lambda_function.py": "x = 1\n"}, "lambda_function.handler", "Runtime.HandlerNotFound"),
        (
            {"lambda_function.py": "def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n"},
            "lambda_function.handler",
            "Function.ResponseSizeTooLarge",
        ),
    ],
    ids=["import", "handler-missing", "response-too-large"],
)
def test_runtime_errors(
    client: Any, name: str, files: dict[str, str], handler: str, error_type: str
) -> None:
    create(client, name, files, Handler=handler)
    out, body = invoke(client, name, {})
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type
    # The same again: a broken environment does not break the next call.
    out, body = invoke(client, name, {})
    assert body["errorType"] == error_type


def test_timeout(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        import time
        COUNT = 0
        def handler(event, context):
            global COUNT
            COUNT += 1
            if event.get("sleep"):
                time.sleep(10)
            return COUNT
    """,
        Timeout=1,
    )
    assert invoke(client, name, {})[1] == 1
    started = time.monotonic()
    out, body = invoke(client, name, {"sleep": True}, LogType="Tail")
    assert time.monotonic() - started < 3
    assert out["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    assert "Task timed out after 1.00 seconds" in base64.b64decode(out["LogResult"]).decode()
    # The environment was discarded: module state starts again.
    assert invoke(client, name, {})[1] == 1


def test_logs_and_tail(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        print("init line")
        def handler(event, context):
            print("hello from", context.aws_request_id)
            return 1
    """,
    )
    out, _ = invoke(client, name, {}, LogType="Tail")
    rid = out["ResponseMetadata"]["RequestId"]
    tail = base64.b64decode(out["LogResult"]).decode()
    assert f"START RequestId: {rid} Version: $LATEST" in tail
    assert f"hello from {rid}" in tail
    assert f"END RequestId: {rid}" in tail
    report = next(line for line in tail.splitlines() if line.startswith("REPORT"))
    for field in (
        "Duration:",
        "Billed Duration:",
        "Memory Size: 128 MB",
        "Max Memory Used:",
        "Init Duration:",
    ):
        assert field in report
    out2, _ = invoke(client, name, {}, LogType="Tail")
    report2 = next(
        line
        for line in base64.b64decode(out2["LogResult"]).decode().splitlines()
        if line.startswith("REPORT")
    )
    assert "Init Duration" not in report2  # warm


def test_log_tail_is_last_4kb(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        def handler(event, context):
            for i in range(500):
                print("line %04d" % i + "." * 40)
    """,
    )
    out, _ = invoke(client, name, {}, LogType="Tail")
    raw = base64.b64decode(out["LogResult"])
    assert len(raw) == 4096
    assert raw.decode().rstrip().splitlines()[-1].startswith("REPORT")


def test_warm_reuse_and_update_retires(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        COUNT = 0
        def handler(event, context):
            global COUNT
            COUNT += 1
            return COUNT
    """,
    )
    assert [invoke(client, name, {})[1] for _ in range(3)] == [1, 2, 3]
    client.update_function_configuration(FunctionName=name, Description="new")
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert invoke(client, name, {})[1] == 1


def test_parallel_invocations_get_separate_environments(client: Any, name: str) -> None:
    create(
        client,
        name,
        """
        import os, time
        def handler(event, context):
            time.sleep(1)
            return os.getpid()
    """,
    )
    results: list[int] = []

    def call() -> None:
        results.append(invoke(client, name, {})[1])

    threads = [threading.Thread(target=call) for _ in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert len(set(results)) == 4
    assert elapsed < 2.5, elapsed


def test_payload_errors(client: Any, name: str) -> None:
    create(client, name, "def handler(e, c):\n    return e\n")
    with pytest.raises(ClientError) as exc:
        client.invoke(FunctionName=name, Payload=b"{not json")
    err = exc.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidRequestContentException",
        400,
    )
    with pytest.raises(ClientError) as exc:
        client.invoke(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    err = exc.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == (
        "RequestTooLargeException",
        413,
    )
    with pytest.raises(ClientError) as exc:
        client.invoke(
            FunctionName=name, InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024) + b'"'
        )
    assert exc.value.response["Error"]["Code"] == "RequestTooLargeException"


def test_dry_run_and_event(client: Any, server: Any, name: str) -> None:
    create(
        client,
        name,
        """
        def handler(event, context):
            print("ASYNC-RAN", event["n"])
    """,
    )
    out = client.invoke(FunctionName=name, InvocationType="DryRun")
    assert out["StatusCode"] == 204
    out = client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 42}')
    assert out["StatusCode"] == 202
    import urllib.request

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{server.endpoint}/_nubis/logs/{name}") as resp:
            if "ASYNC-RAN 42" in resp.read().decode():
                return
        time.sleep(0.1)
    pytest.fail("the Event invocation did not run")
