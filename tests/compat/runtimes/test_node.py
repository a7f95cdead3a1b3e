"""The Node.js runtime: async and callback handlers, the context object, Lambda's errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from tests.compat.runtimes.runners import RUNNERS
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")

INDEX = """
exports.handler = async (event, context) => {
  console.log("got", JSON.stringify(event));
  if (event.fail) throw new TypeError("boom");
  return {
    event, name: context.functionName, version: context.functionVersion,
    arn: context.invokedFunctionArn, memory: context.memoryLimitInMB,
    id: context.awsRequestId, left: context.getRemainingTimeInMillis(),
    stream: context.logStreamName, cwd: process.cwd(),
  };
};
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { doubled: event.n * 2 }), 1);
};
exports.callbackError = (event, context, callback) => callback(new RangeError("too far"));
"""


def _node_runtime(engine: LocalEngine) -> str:
    return next(r for r in engine.runtimes() if r.startswith("nodejs"))


@pytest.mark.parametrize("run", RUNNERS)
def test_async_and_callback_handlers(make_spec: MakeSpec, run: Callable[..., Any]) -> None:
    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        runtime = _node_runtime(engine)

        def spec(handler: str) -> Any:
            return make_spec(
                "", files={"index.js": INDEX}, handler=handler, runtime=runtime, memory_mb=1769
            )

        fn = spec("index.handler")
        result = await engine.invoke(fn, request(fn, b'{"a": 1}', tail=True))
        assert result.function_error is None, result.payload
        out = json.loads(result.payload)
        assert out["event"] == {"a": 1}
        assert out["name"] == fn.function_name
        assert out["version"] == "$LATEST"
        assert out["arn"] == fn.function_arn
        assert out["memory"] == "1769"
        assert 0 < out["left"] <= 3000
        assert out["stream"].endswith("]" + out["stream"].split("]")[-1])
        assert result.log_tail is not None
        assert f'\t{out["id"]}\tINFO\tgot {{"a":1}}\n' in result.log_tail

        failed = await engine.invoke(fn, request(fn, b'{"fail": true}'))
        assert failed.function_error == "Unhandled"
        error = json.loads(failed.payload)
        assert error["errorType"] == "TypeError"
        assert error["errorMessage"] == "boom"
        assert error["trace"][0] == "TypeError: boom"
        assert all("bootstrap.js" not in line for line in error["trace"])

        cb = spec("index.callback")
        assert json.loads((await engine.invoke(cb, request(cb, b'{"n": 21}'))).payload) == {
            "doubled": 42
        }
        cb_error = spec("index.callbackError")
        failed = await engine.invoke(cb_error, request(cb_error))
        assert json.loads(failed.payload)["errorType"] == "RangeError"

    run(body)


@pytest.mark.parametrize("run", RUNNERS[:1])
def test_init_errors(make_spec: MakeSpec, run: Callable[..., Any]) -> None:
    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        runtime = _node_runtime(engine)
        missing = make_spec("", files={"index.js": INDEX}, handler="nope.handler", runtime=runtime)
        error = json.loads((await engine.invoke(missing, request(missing))).payload)
        assert error["errorType"] == "Runtime.ImportModuleError"
        assert error["errorMessage"] == "Error: Cannot find module 'nope'"
        absent = make_spec("", files={"index.js": INDEX}, handler="index.nope", runtime=runtime)
        error = json.loads((await engine.invoke(absent, request(absent))).payload)
        assert error["errorType"] == "Runtime.HandlerNotFound"
        assert error["errorMessage"] == "index.nope is undefined or not exported"

    run(body)
