"""Invocations through a real LocalEngine: results, context, state, concurrency, logs."""

from __future__ import annotations

import asyncio
import json
import re
import time

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, run_engine


def test_hello_world_round_trip(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        def handler(event, context):
            return {"hello": event["name"], "n": [1, 2.5, None, True]}
        """
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        result = await engine.invoke(spec, request(spec, b'{"name": "world"}'))
        assert result.function_error is None
        assert json.loads(result.payload) == {"hello": "world", "n": [1, 2.5, None, True]}
        assert result.log_tail is None

    run_engine(body)


def test_context_fields(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import os
        def handler(event, context):
            return {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "cognito_identity_id": context.identity.cognito_identity_id,
                "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
                "client_custom": context.client_context.custom,
                "client_env": context.client_context.env,
                "installation_id": context.client_context.client.installation_id,
                "trace": os.environ.get("_X_AMZN_TRACE_ID"),
            }
        """,
        name="ctx",
        timeout_s=5,
        memory_mb=256,
    )
    client_context = {"client": {"installation_id": "i-1"}, "custom": {"a": 1}, "env": {"e": 2}}
    cognito = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        req = request(
            spec,
            client_context=json.dumps(client_context),
            cognito_identity=json.dumps(cognito),
            trace_id="Root=1-abc",
        )
        result = await engine.invoke(spec, req)
        ctx = json.loads(result.payload)
        assert ctx["aws_request_id"] == req.request_id
        assert ctx["function_name"] == "ctx"
        assert ctx["function_version"] == "$LATEST"
        assert ctx["invoked_function_arn"] == spec.function_arn
        assert ctx["memory_limit_in_mb"] == "256"
        assert ctx["log_group_name"] == "/aws/lambda/ctx"
        assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", ctx["log_stream_name"])
        assert sink.streams("/aws/lambda/ctx") == [ctx["log_stream_name"]]
        assert 4000 < ctx["remaining"] <= 5000
        assert ctx["cognito_identity_id"] == "id-1"
        assert ctx["cognito_identity_pool_id"] == "pool-1"
        assert ctx["client_custom"] == {"a": 1}
        assert ctx["client_env"] == {"e": 2}
        assert ctx["installation_id"] == "i-1"
        assert ctx["trace"] == "Root=1-abc"

    run_engine(body)


def test_module_state_persists_across_warm_invokes(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import os
        count = 0
        def handler(event, context):
            global count
            count += 1
            return [count, os.getpid()]
        """
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        results = [json.loads((await engine.invoke(spec, request(spec))).payload) for _ in range(3)]
        assert [r[0] for r in results] == [1, 2, 3]
        assert len({r[1] for r in results}) == 1
        assert engine.environment_count("fn") == 1

    run_engine(body)


def test_parallel_invocations_run_in_separate_environments(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import os, time
        def handler(event, context):
            time.sleep(1)
            return os.getpid()
        """
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        started = time.monotonic()
        results = await asyncio.gather(*(engine.invoke(spec, request(spec)) for _ in range(3)))
        elapsed = time.monotonic() - started
        assert len({json.loads(r.payload) for r in results}) == 3
        assert elapsed < 1.8, elapsed
        assert engine.environment_count() == 3

    run_engine(body)


def test_environment_variables(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import os
        def handler(event, context):
            return dict(os.environ)
        """,
        name="envfn",
        environment={"MINE": "yes", "AWS_LAMBDA_FUNCTION_NAME": "spoofed", "TZ": "Europe/Paris"},
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        env = json.loads((await engine.invoke(spec, request(spec))).payload)
        assert env["MINE"] == "yes"
        assert env["TZ"] == "Europe/Paris"  # not reserved: the function may set it
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == "envfn"
        assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
        assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
        assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/envfn"
        assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == sink.streams("/aws/lambda/envfn")[0]
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
        assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
        assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
        assert env["LAMBDA_TASK_ROOT"] == str(spec.code_dir)
        assert env["LAMBDA_RUNTIME_DIR"].endswith("runtimes/python")
        assert env["_HANDLER"] == "app.handler"
        assert env["LANG"] == "en_US.UTF-8"
        assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9999"
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PATH"):
            assert env[name]
        assert not any(k.startswith("PYTHON") or k == "VIRTUAL_ENV" for k in env)

    run_engine(body, api_endpoint="http://127.0.0.1:9999")


def test_logs_start_end_report_and_init_duration_only_when_cold(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import sys
        print("init output")
        def handler(event, context):
            print("to stdout", event)
            print("to stderr", file=sys.stderr)
            return None
        """,
        name="logfn",
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        first = request(spec, b"1", tail=True)
        second = request(spec, b"2", tail=True)
        r1 = await engine.invoke(spec, first)
        r2 = await engine.invoke(spec, second)
        assert r1.payload == b"null"
        (stream,) = sink.streams("/aws/lambda/logfn")
        text = sink.read("/aws/lambda/logfn", stream)
        report = (
            r"REPORT RequestId: {}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
            r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t{}\n"
        )
        cold = report.format(first.request_id, r"Init Duration: \d+\.\d\d ms\t")
        warm = report.format(second.request_id, "")
        expected = (
            "init output\n"
            f"START RequestId: {first.request_id} Version: \\$LATEST\n"
            "to stdout 1\nto stderr\n"
            f"END RequestId: {first.request_id}\n" + cold + "START RequestId: "
            f"{second.request_id} Version: \\$LATEST\n"
            "to stdout 2\nto stderr\n"
            f"END RequestId: {second.request_id}\n" + warm
        )
        assert re.fullmatch(expected, text), text
        assert r1.log_tail is not None
        assert r2.log_tail is not None
        assert r1.log_tail.startswith("init output\nSTART")
        assert r2.log_tail.startswith(f"START RequestId: {second.request_id}")
        assert re.fullmatch(warm, r2.log_tail.splitlines(keepends=True)[-1])
        assert "Init Duration" not in r2.log_tail

    run_engine(body)


def test_large_output_is_not_lost(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        def handler(event, context):
            for i in range(20000):
                print("line", i)
            return "done"
        """,
        name="loud",
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        req = request(spec)
        result = await engine.invoke(spec, req)
        assert result.payload == b'"done"'
        text = sink.read("/aws/lambda/loud", sink.streams("/aws/lambda/loud")[0])
        body_text = text.split(f"END RequestId: {req.request_id}")[0]
        assert "line 19999\n" in body_text
        assert body_text.count("\n") == 20001  # START + 20000 lines

    run_engine(body)


def test_unicode_output_and_payload(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        def handler(event, context):
            print("héllo ✓", event["s"])
            return {"echo": event["s"]}
        """,
        name="uni",
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        payload = json.dumps({"s": "日本 ✓"}).encode()
        result = await engine.invoke(spec, request(spec, payload, tail=True))
        assert json.loads(result.payload) == {"echo": "日本 ✓"}
        assert result.executed_version == "$LATEST"
        assert result.log_tail is not None
        assert "héllo ✓ 日本 ✓\n" in result.log_tail

    run_engine(body)
