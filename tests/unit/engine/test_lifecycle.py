"""Environments' lifetimes: idle reaping, retirement, the cap, zygote restarts, close."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

import pytest

from nubis.engine.local import LocalEngine
from nubis.model.clock import FakeClock
from nubis.model.errors import ServiceException, TooManyRequestsException
from nubis.model.function import InvokeResult
from nubis.model.settings import EngineSettings
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import assert_gone, children_of, exists, request, run_engine, until

PID_CODE = """
import os, time
def handler(event, context):
    time.sleep(event or 0)
    return os.getpid()
"""


def test_idle_environments_are_reaped_by_the_clock(make_spec: MakeSpec) -> None:
    clock = FakeClock()
    a = make_spec(PID_CODE, name="a")
    b = make_spec(PID_CODE, name="b")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        pid_a = json.loads((await engine.invoke(a, request(a))).payload)
        clock.advance(40)
        await engine.invoke(b, request(b))
        await engine.reap_idle()
        assert engine.environment_count() == 2  # nobody idle for more than 60 s yet
        clock.advance(30)  # a: 70 s idle, b: 30 s
        await engine.reap_idle()
        assert engine.environment_count("a") == 0
        assert engine.environment_count("b") == 1
        assert not exists(pid_a)
        # A new invocation of `a` is a cold start in a new process.
        assert json.loads((await engine.invoke(a, request(a))).payload) != pid_a

    run_engine(body, settings=EngineSettings(idle_timeout_s=60), clock=clock)


def test_busy_environments_are_not_reaped(make_spec: MakeSpec) -> None:
    clock = FakeClock()
    spec = make_spec(PID_CODE)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        await engine.invoke(spec, request(spec))
        running = asyncio.create_task(engine.invoke(spec, request(spec, b"0.3")))
        await asyncio.sleep(0.1)
        clock.advance(1000)
        await engine.reap_idle()
        assert (await running).function_error is None
        assert engine.environment_count() == 1

    run_engine(body, settings=EngineSettings(idle_timeout_s=60), clock=clock)


def test_retire_stops_old_keys_after_their_invocation(make_spec: MakeSpec) -> None:
    old = make_spec(PID_CODE, name="f", key="v1")
    new = make_spec(PID_CODE, name="f", key="v2")
    other = make_spec(PID_CODE, name="g", key="v1")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        two = await asyncio.gather(*(engine.invoke(old, request(old, b"0.1")) for _ in range(2)))
        old_pids = {json.loads(r.payload) for r in two}
        await engine.invoke(other, request(other))
        busy = asyncio.create_task(engine.invoke(old, request(old, b"0.5")))
        await asyncio.sleep(0.2)
        new_pid = json.loads((await engine.invoke(new, request(new))).payload)
        assert engine.environment_count("f") == 3

        await engine.retire("f", keep_key="v2")
        assert engine.environment_count("f") == 2  # the busy one finishes first
        busy_pid = json.loads((await busy).payload)
        (idle_pid,) = old_pids - {busy_pid}
        assert not exists(idle_pid)  # the idle one was stopped at once
        await until(lambda: engine.environment_count("f") == 1)
        await until(lambda: not exists(busy_pid))  # stopped in background
        assert json.loads((await engine.invoke(new, request(new))).payload) == new_pid
        assert engine.environment_count("g") == 1  # other functions are untouched

        await engine.retire("f")
        await engine.retire("f")  # idempotent
        assert engine.environment_count("f") == 0

    run_engine(body)


def test_cap_on_environments(make_spec: MakeSpec) -> None:
    slow = make_spec(PID_CODE, name="slow")
    other = make_spec(PID_CODE, name="other")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        running = [
            asyncio.create_task(engine.invoke(slow, request(slow, b"0.5"))) for _ in range(2)
        ]
        await asyncio.sleep(0.2)
        with pytest.raises(TooManyRequestsException) as info:
            await engine.invoke(other, request(other))
        assert info.value.message == "Rate Exceeded."
        assert info.value.extra == {"Reason": "ConcurrentInvocationLimitExceeded"}
        await asyncio.gather(*running)
        # Idle environments of other functions make room for a new one.
        assert (await engine.invoke(other, request(other))).function_error is None
        assert engine.environment_count() == 2

    run_engine(body, settings=EngineSettings(max_environments=2))


def test_a_dead_zygote_is_restarted(make_spec: MakeSpec) -> None:
    spec = make_spec(PID_CODE)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        warm_pid = json.loads((await engine.invoke(spec, request(spec))).payload)
        zygote_pid = engine.process_ids()[0]
        os.kill(zygote_pid, signal.SIGKILL)
        await until(lambda: engine.process_ids()[0] != zygote_pid)  # restarted at once
        # Environments forked before keep serving; new ones come from a new zygote.
        assert json.loads((await engine.invoke(spec, request(spec))).payload) == warm_pid
        both = await asyncio.gather(*(engine.invoke(spec, request(spec, b"0.2")) for _ in range(2)))
        assert all(r.function_error is None for r in both)
        assert engine.process_ids()[0] != zygote_pid

    run_engine(body)


def test_close_leaves_nothing_behind(make_spec: MakeSpec) -> None:
    spec = make_spec(
        """
        import subprocess, time
        def handler(event, context):
            if event == "spawn":
                return subprocess.Popen(["sleep", "30"]).pid
            time.sleep(event)
            return 1
        """
    )

    async def main() -> None:
        children_before = set(children_of(os.getpid()))
        engine = LocalEngine(EngineSettings(), MemoryLogSink())
        await engine.start()
        fds_before = set(os.listdir("/proc/self/fd"))
        grandchild = json.loads((await engine.invoke(spec, request(spec, b'"spawn"'))).payload)
        busy = asyncio.create_task(engine.invoke(spec, request(spec, b"10")))
        await asyncio.sleep(0.3)
        pids = engine.process_ids()
        assert len(pids) == 2  # the zygote and the one environment
        await engine.close()
        await engine.close()  # idempotent
        result = await busy  # an invocation in flight ends as a crash, not a hang
        assert result.function_error == "Unhandled"
        assert_gone(pids, children_before)
        await until(lambda: _gone_or_zombie(grandchild))
        assert set(os.listdir("/proc/self/fd")) <= fds_before
        with pytest.raises(ServiceException):
            await engine.invoke(spec, request(spec))

    asyncio.run(main())


def _gone_or_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.parametrize("delay", [0, 0.001, 0.003, 0.006])
def test_close_during_cold_starts(make_spec: MakeSpec, delay: float) -> None:
    spec = make_spec(PID_CODE)

    async def main() -> None:
        children_before = set(children_of(os.getpid()))
        fds_before = set(os.listdir("/proc/self/fd"))
        engine = LocalEngine(EngineSettings(), MemoryLogSink())
        await engine.start()
        zygotes = engine.process_ids()
        starting = [asyncio.create_task(engine.invoke(spec, request(spec))) for _ in range(3)]
        await asyncio.sleep(delay)
        await engine.close()
        results = await asyncio.gather(*starting, return_exceptions=True)
        for result in results:  # each either failed cleanly or ran before the close
            assert isinstance(result, (ServiceException, InvokeResult)), result
        await until(lambda: set(children_of(os.getpid())) <= children_before)
        assert_gone(zygotes, children_before)
        await until(lambda: set(os.listdir("/proc/self/fd")) <= fds_before)

    asyncio.run(main())


def test_an_unisolated_engine_says_so_loudly_at_start(caplog: pytest.LogCaptureFixture) -> None:
    """The sandbox decides how the engine announces it (docs/isolation.md's warning)."""

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        assert not engine.sandbox.read_only_code  # Python writes its own .pyc files

    with caplog.at_level(logging.INFO, logger="nubis.engine.local"):
        run_engine(body)
    said = [(r.levelno, r.getMessage()) for r in caplog.records if "sandbox:" in r.getMessage()]
    assert len(said) == 1
    assert said[0][0] == logging.WARNING
    assert said[0][1].startswith("!!! sandbox: NOT ISOLATED: ")
