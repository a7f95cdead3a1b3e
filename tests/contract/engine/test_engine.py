"""The Engine contract (nubis/engine/base.py), against each implementation: the fake
(engine/fake.py, no processes) and LocalEngine with plain processes (as
`--isolation off`). What control relies on must hold for both."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from nubis.engine.base import Engine
from nubis.engine.fake import FakeEngine
from nubis.engine.local import LocalEngine
from nubis.model.errors import (
    REASON_ACCOUNT_LIMIT,
    REASON_RESERVED_LIMIT,
    ServiceException,
    TooManyRequestsException,
)
from nubis.model.function import FunctionSpec, InvokeRequest
from nubis.model.settings import EngineSettings
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.process import ProcessSandbox
from tests.unit.engine.helpers import until

CODE = """
import time
def echo(event, context):
    return event
def fail(event, context):
    raise ValueError("it broke")
def slow(event, context):
    time.sleep(event)
    return "slept"
"""


async def _slow(event: Any) -> str:
    await asyncio.sleep(event)
    return "slept"


def _fail(event: Any) -> Any:
    raise ValueError("it broke")


FAKE_HANDLERS = {"app.echo": lambda event: event, "app.fail": _fail, "app.slow": _slow}

Body = Callable[[Engine, Callable[..., FunctionSpec]], Awaitable[None]]


@pytest.fixture(params=["fake", "local"])
def run(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Body], None]:
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "app.py").write_text(CODE)

    def make_spec(handler: str = "app.echo", name: str = "fn", **kw: Any) -> FunctionSpec:
        spec = FunctionSpec(
            key=uuid.uuid4().hex,
            function_name=name,
            function_arn=f"arn:aws:lambda:us-east-1:000000000000:function:{name}",
            version="$LATEST",
            runtime="python3.11",
            handler=handler,
            code_dir=code_dir,
            memory_mb=128,
            timeout_s=3,
            ephemeral_mb=512,
            environment={},
            log_group=f"/aws/lambda/{name}",
        )
        return dataclasses.replace(spec, **kw)

    def build() -> Engine:
        if request.param == "fake":
            return FakeEngine(FAKE_HANDLERS)
        return LocalEngine(EngineSettings(), MemoryLogSink(), sandbox=ProcessSandbox())

    def runner(body: Body) -> None:
        async def main() -> None:
            engine = build()
            await engine.start()
            try:
                await body(engine, make_spec)
            finally:
                await engine.close()

        asyncio.run(main())

    return runner


def invocation(spec: FunctionSpec, event: Any = None) -> InvokeRequest:
    return InvokeRequest(str(uuid.uuid4()), json.dumps(event).encode(), spec.function_arn)


def test_invoke_returns_the_result(run: Callable[[Body], None]) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        spec = make_spec()
        result = await engine.invoke(spec, invocation(spec, {"a": [1, "x"]}))
        assert json.loads(result.payload) == {"a": [1, "x"]}
        assert result.function_error is None
        assert result.executed_version == "$LATEST"
        assert "python3.11" in engine.runtimes()

    run(body)


def test_a_function_error_is_a_result_not_an_exception(run: Callable[[Body], None]) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        spec = make_spec("app.fail")
        result = await engine.invoke(spec, invocation(spec))
        assert result.function_error == "Unhandled"
        error = json.loads(result.payload)
        assert error["errorType"] == "ValueError"
        assert error["errorMessage"] == "it broke"

    run(body)


def test_reserved_concurrency_throttles_before_anything_starts(
    run: Callable[[Body], None],
) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        spec = make_spec("app.slow", reserved_concurrency=1)
        first = asyncio.create_task(engine.invoke(spec, invocation(spec, 0.5)))
        await until(lambda: engine.admission.in_flight(spec.function_name) == 1)
        with pytest.raises(TooManyRequestsException) as caught:
            await engine.invoke(spec, invocation(spec, 0))
        assert caught.value.extra.get("Reason") == REASON_RESERVED_LIMIT
        assert json.loads((await first).payload) == "slept"
        assert engine.admission.in_flight() == 0  # every admission released

    run(body)


def test_the_account_limit_throttles_unreserved_functions(run: Callable[[Body], None]) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        engine.admission.set_limits(1, {}, {})
        a, b = make_spec("app.slow", name="a"), make_spec(name="b")
        first = asyncio.create_task(engine.invoke(a, invocation(a, 0.5)))
        await until(lambda: engine.admission.in_flight() == 1)
        with pytest.raises(TooManyRequestsException) as caught:
            await engine.invoke(b, invocation(b, 1))
        assert caught.value.extra.get("Reason") == REASON_ACCOUNT_LIMIT
        await first
        assert json.loads((await engine.invoke(b, invocation(b, 1))).payload) == 1

    run(body)


def test_retire_provision_and_snapstart_calls_are_safe_to_repeat(
    run: Callable[[Body], None],
) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        spec = make_spec()
        await engine.invoke(spec, invocation(spec, 1))
        await engine.retire(spec.function_name)
        await engine.retire(spec.function_name)  # idempotent
        await engine.provision(spec, 1)
        await engine.provision(spec, 0)  # ends provisioning
        engine.prepare_snapstart(spec)  # not a SnapStart version: no-op
        # After retire, the function still runs (in a new environment).
        assert json.loads((await engine.invoke(spec, invocation(spec, 2))).payload) == 2

    run(body)


def test_after_close_invoke_raises(run: Callable[[Body], None]) -> None:
    async def body(engine: Engine, make_spec: Callable[..., FunctionSpec]) -> None:
        spec = make_spec()
        await engine.close()
        await engine.close()  # idempotent
        with pytest.raises(ServiceException):
            await engine.invoke(spec, invocation(spec))

    run(body)
