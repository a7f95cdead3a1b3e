"""Helpers for engine tests: a real engine around a test, leak checks."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from nubis.engine.local import LocalEngine
from nubis.model.clock import Clock
from nubis.model.function import FunctionSpec, InvokeRequest
from nubis.model.settings import EngineSettings
from nubis.observe.base import Recorder
from nubis.observe.memory import MemoryLogSink

T = TypeVar("T")
RUNTIME = "python3.11"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def request(
    spec: FunctionSpec, payload: bytes = b"{}", *, tail: bool = False, **kw: str
) -> InvokeRequest:
    return InvokeRequest(
        request_id=str(uuid.uuid4()),
        payload=payload,
        invoked_arn=spec.function_arn,
        tail_logs=tail,
        **kw,
    )


def run_engine(
    test: Callable[[LocalEngine, MemoryLogSink], Awaitable[T]],
    *,
    settings: EngineSettings | None = None,
    clock: Clock | None = None,
    api_endpoint: str | None = None,
    recorder: Recorder | None = None,
) -> T:
    """Start a real engine, run `test` against it, close it, check nothing is left."""

    async def main() -> T:
        children_before = set(children_of(os.getpid()))
        sink = MemoryLogSink()
        engine = LocalEngine(
            settings or EngineSettings(),
            sink,
            clock,
            api_endpoint=api_endpoint,
            recorder=recorder,
        )
        await engine.start()
        try:
            return await test(engine, sink)
        finally:
            pids = engine.process_ids()
            await engine.close()
            assert_gone(pids, children_before)

    return asyncio.run(main())


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    """Running, or a zombie that some process of ours still has to reap.

    A zombie reparented to pid 1 is gone as far as Nubis is concerned (in containers
    whose pid 1 does not reap, such zombies stay: only when a zygote was killed)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return state != "Z" or int(ppid) != 1


def assert_gone(pids: list[int], children_before: set[int]) -> None:
    """The engine's processes are gone and this process has no new children."""
    alive = [pid for pid in pids if _alive(pid)]
    assert alive == [], f"processes left behind: {alive}"
    assert set(children_of(os.getpid())) <= children_before


def exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def until(condition: Callable[[], bool], limit_s: float = 5.0) -> None:
    """Wait (polling) for something the engine does in the background."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)
