"""The joins `nubis.cli.wiring` makes, on real SQLite stores and the FakeEngine: an
event the invoker stores wakes the async workers (one shared wake-up, given to both at
construction), and a deleted function's event-invoke configs go with it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nubis.cli import wiring
from nubis.control.functions import Principal
from nubis.control.invoke import EVENT, Invocation
from nubis.engine.fake import FakeEngine
from nubis.model.clock import FakeClock
from nubis.model.errors import ResourceNotFoundException
from nubis.model.requests import CodeInput, CreateFunctionRequest, EventInvokeConfigRequest
from nubis.model.settings import ServerSettings


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def _create(name: str) -> CreateFunctionRequest:
    return CreateFunctionRequest(
        function_name=name,
        role="arn:aws:iam::000000000000:role/r",
        code=CodeInput(_zip()),
        runtime="python3.11",
        handler="app.handler",
    )


@contextlib.asynccontextmanager
async def parts(
    data: Path,
) -> AsyncIterator[tuple[ServerSettings, wiring.Stores, wiring.Control, FakeEngine]]:
    settings = ServerSettings(data_dir=data)
    async with contextlib.AsyncExitStack() as stack:
        stores = wiring.build_stores(data, stack)
        engine = FakeEngine()
        await engine.start()
        stack.push_async_callback(engine.close)
        control = await wiring.build_control(settings, stores, engine, FakeClock(), stack)
        yield settings, stores, control, engine


def test_an_event_the_invoker_stores_wakes_the_async_workers(tmp_path: Path) -> None:
    async def go() -> None:
        async with parts(tmp_path) as (settings, stores, control, engine):
            ran: asyncio.Queue[object] = asyncio.Queue()
            engine.handlers["app.handler"] = ran.put_nowait
            await control.functions.create(_create("f"), Principal())
            assert not control.wake.is_set()
            invocation = Invocation("f", None, b'{"n": 1}', "req-1", invocation_type=EVENT)
            assert await control.invoker.invoke(invocation) is None
            assert control.wake.is_set()  # set by the invoker once the event is stored
            async with contextlib.AsyncExitStack() as stack:
                await wiring.build_async_invoker(settings, stores, control, FakeClock(), stack)
                assert await ran.get() == {"n": 1}  # the workers ran it

    asyncio.run(go())


def test_a_deleted_function_s_event_invoke_configs_go_with_it(tmp_path: Path) -> None:
    async def go() -> None:
        async with parts(tmp_path) as (_, _, control, _):
            await control.functions.create(_create("f"), Principal())
            await control.event_configs.put(
                EventInvokeConfigRequest("f", max_retry_attempts=1), merge=False
            )
            await control.functions.delete("f", None)
            await control.functions.create(_create("f"), Principal())
            with pytest.raises(
                ResourceNotFoundException, match="doesn't have an EventInvokeConfig"
            ):
                await control.event_configs.get("f", None)

    asyncio.run(go())
