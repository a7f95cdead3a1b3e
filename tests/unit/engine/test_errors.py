"""Failures of functions come back as Lambda reports them, and bad environments are replaced."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from nubis.engine.local import LocalEngine
from nubis.model.errors import InvalidParameterValueException
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, run_engine, until


def error(payload: bytes) -> Any:
    return json.loads(payload)


def test_exception_in_handler(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        def inner():
            raise ValueError("boom")

        def handler(event, context):
            inner()
        """,
        name="raiser",
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        req = request(spec, tail=True)
        result = await engine.invoke(spec, req)
        assert result.function_error == "Unhandled"
        err = error(result.payload)
        assert err["errorType"] == "ValueError"
        assert err["errorMessage"] == "boom"
        assert err["requestId"] == req.request_id
        assert len(err["stackTrace"]) == 2
        assert err["stackTrace"][0].startswith('  File "')
        assert "app.py" in err["stackTrace"][0]
        assert "in handler" in err["stackTrace"][0]
        assert "raise ValueError" in err["stackTrace"][1]
        assert result.log_tail is not None
        assert "[ERROR] ValueError: boom\nTraceback (most recent call last):\n" in result.log_tail
        # The environment survives a handled exception.
        again = await engine.invoke(spec, request(spec))
        assert error(again.payload)["errorType"] == "ValueError"
        assert engine.environment_count() == 1

    run_engine(body)


@pytest.mark.parametrize(
    ("code", "handler", "error_type", "message"),
    [
        ("x = 1\n", "nomodule.handler", "Runtime.ImportModuleError",
         "Unable to import module 'nomodule': No module named 'nomodule'"),
        ("x = 1\n", "app.missing", "Runtime.HandlerNotFound",
         "Handler 'missing' missing on module 'app'"),
        ("x = 1\n", "apphandler", "Runtime.MalformedHandlerName",
         "Bad handler 'apphandler': not enough values to unpack (expected 2, got 1)"),
        ("def handler(:\n", "app.handler", "Runtime.UserCodeSyntaxError",
         "Syntax error in module 'app': "),
        ("raise KeyError('at import')\n", "app.handler", "KeyError", "'at import'"),
    ],
)  # fmt: skip
def test_init_errors(
    make_spec: MakeSpec, code: str, handler: str, error_type: str, message: str
) -> None:
    spec = make_spec(code, handler=handler, name="broken")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        for _ in range(2):  # the environment is discarded, the next invoke retries init
            result = await engine.invoke(spec, request(spec, tail=True))
            assert result.function_error == "Unhandled"
            err = error(result.payload)
            assert err["errorType"] == error_type
            assert err["errorMessage"].startswith(message)
            assert result.log_tail is not None
            assert f"[ERROR] {error_type}" in result.log_tail
            assert "Init Duration" in result.log_tail
        # Both environments are gone (destroyed in the background after the result).
        await until(lambda: engine.environment_count() == 0)
        assert len(sink.streams("/aws/lambda/broken")) == 2

    run_engine(body)


def test_marshal_error(make_spec: MakeSpec) -> None:
    spec = make_spec("def handler(event, context):\n    return {1, 2}\n")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        result = await engine.invoke(spec, request(spec))
        assert result.function_error == "Unhandled"
        err = error(result.payload)
        assert err["errorType"] == "Runtime.MarshalError"
        assert err["errorMessage"] == (
            "Unable to marshal response: Object of type set is not JSON serializable"
        )

    run_engine(body)


def test_response_too_large(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        def handler(event, context):
            return "x" * (event * 1024 * 1024)
        """
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        result = await engine.invoke(spec, request(spec, b"7"))
        assert result.function_error == "Unhandled"
        err = error(result.payload)
        assert err["errorType"] == "Function.ResponseSizeTooLarge"
        assert err["errorMessage"] == (
            "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
        )
        # The environment goes on serving.
        ok = await engine.invoke(spec, request(spec, b"1"))
        assert ok.function_error is None
        assert len(ok.payload) == 1024 * 1024 + 2
        assert engine.environment_count() == 1

    run_engine(body)


def test_timeout_kills_and_discards_the_environment(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import time
        def handler(event, context):
            print("going to sleep")
            time.sleep(event)
            return "woke"
        """,
        name="sleepy",
        timeout_s=1,
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        req = request(spec, b"30", tail=True)
        result = await engine.invoke(spec, req)
        assert result.function_error == "Unhandled"
        assert error(result.payload) == {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {req.request_id} Error: Task timed out after 1.00 seconds",
        }
        assert result.log_tail is not None
        assert "going to sleep\n" in result.log_tail
        assert re.search(
            r"\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
            + req.request_id
            + r" Task timed out after 1\.00 seconds\nEND RequestId: ",
            result.log_tail,
        )
        await until(lambda: engine.environment_count() == 0)
        ok = await engine.invoke(spec, request(spec, b"0"))
        assert ok.payload == b'"woke"'

    run_engine(body)


@pytest.mark.parametrize(
    ("statement", "how"),
    [
        ("os._exit(1)", "exit status 1"),
        ("sys.exit(3)", "exit status 3"),
        ("os.kill(os.getpid(), signal.SIGKILL)", "signal: killed"),
    ],
)
def test_process_exit_during_invocation(make_spec: MakeSpec, statement: str, how: str) -> None:
    spec = make_spec(
        "import os, signal, sys\n"
        "def handler(event, context):\n"
        "    if event == 'die':\n"
        f"        {statement}\n"
        "    return os.getpid()\n",
        name="dies",
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        first = json.loads((await engine.invoke(spec, request(spec))).payload)
        req = request(spec, b'"die"', tail=True)
        result = await engine.invoke(spec, req)
        assert result.function_error == "Unhandled"
        message = f"RequestId: {req.request_id} Error: Runtime exited with error: {how}"
        assert error(result.payload) == {"errorType": "Runtime.ExitError", "errorMessage": message}
        assert result.log_tail is not None
        assert f"{message}\nRuntime.ExitError\nEND RequestId" in result.log_tail
        await until(lambda: engine.environment_count() == 0)
        replaced = json.loads((await engine.invoke(spec, request(spec))).payload)
        assert replaced != first

    run_engine(body)


def test_exit_during_init(make_spec: MakeSpec) -> None:
    spec = make_spec("import os\nos._exit(2)\n")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        req = request(spec)
        result = await engine.invoke(spec, req)
        assert result.function_error == "Unhandled"
        assert error(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {req.request_id} Error: Runtime exited with error: "
            "exit status 2",
        }

    run_engine(body)


def test_unknown_runtime(make_spec: MakeSpec) -> None:
    spec = make_spec("def handler(e, c):\n    return 1\n", runtime="python2.7")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        assert "python2.7" not in engine.runtimes()
        with pytest.raises(InvalidParameterValueException):
            await engine.invoke(spec, request(spec))

    run_engine(body)
