"""What a real engine records (invocation reports, throttles, environments started and
stopped) and the states its environments pass through, with plain processes."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from nubis.engine import logs
from nubis.engine import runtime_api_constants as C
from nubis.engine.local import LocalEngine
from nubis.engine.state import EnvState, IllegalTransition
from nubis.model.errors import REASON_RESERVED_LIMIT, TooManyRequestsException
from nubis.observe.memory import MemoryLogSink, MemoryRecorder
from nubis.observe.records import (
    EnvironmentStarted,
    EnvironmentStopped,
    InvocationReport,
    Throttle,
)
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, run_engine, until

CODE = """
import time
def handler(event, context):
    if event == "boom":
        raise ValueError("boom")
    time.sleep(event or 0)
    return "ok"
"""


def test_invocations_are_reported_and_the_report_line_is_their_record(
    make_spec: MakeSpec,
) -> None:
    spec = make_spec(CODE)
    recorder = MemoryRecorder()

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        cold = request(spec, tail=True)
        await engine.invoke(spec, cold)
        await engine.invoke(spec, request(spec, b'"boom"'))
        reports = recorder.of(InvocationReport)
        assert [r.request_id for r in reports] == [cold.request_id, reports[1].request_id]
        first, second = reports
        assert (first.function_name, first.version, first.memory_size_mb) == (
            spec.function_name,
            "$LATEST",
            128,
        )
        assert first.init_duration_ms is not None
        assert first.error_type is None
        assert second.init_duration_ms is None
        assert second.error_type == "ValueError"
        assert first.max_memory_used_mb > 0
        [stream] = sink.streams(spec.log_group)
        text = sink.read(spec.log_group, stream)
        for report in reports:
            assert logs.report_line(report) in text  # the line is the record, rendered
        [started] = recorder.of(EnvironmentStarted)
        assert started.initialization_type == C.INITIALIZATION_ON_DEMAND
        assert started.function_name == spec.function_name
        assert started.init_duration_ms == first.init_duration_ms
        await engine.retire(spec.function_name)
        [stopped] = recorder.of(EnvironmentStopped)
        assert stopped.env_id == started.env_id
        assert stopped.lifetime_s >= 0

    run_engine(body, recorder=recorder)


def test_a_throttle_is_recorded(make_spec: MakeSpec) -> None:
    spec = dataclasses.replace(make_spec(CODE), reserved_concurrency=1)
    recorder = MemoryRecorder()

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        running = asyncio.create_task(engine.invoke(spec, request(spec, b"0.3")))
        await until(lambda: engine.admission.in_flight(spec.function_name) == 1)
        with pytest.raises(TooManyRequestsException):
            await engine.invoke(spec, request(spec))
        await running
        [throttle] = recorder.of(Throttle)
        assert throttle == Throttle(throttle.at, spec.function_name, REASON_RESERVED_LIMIT)

    run_engine(body, recorder=recorder)


def test_states_of_an_environment(make_spec: MakeSpec) -> None:
    spec = make_spec(CODE)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        await engine.invoke(spec, request(spec))
        [env] = list(engine.pool)
        assert env.state is EnvState.IDLE  # frozen a moment after the invocation
        await until(lambda: env.state is EnvState.FROZEN)
        running = asyncio.create_task(engine.invoke(spec, request(spec, b"0.2")))
        await until(lambda: env.state is EnvState.BUSY)
        assert env.busy
        await running
        assert env.state in (EnvState.IDLE, EnvState.FROZEN)
        with pytest.raises(IllegalTransition):
            env.initialised()  # only an initialising environment finishes its init
        await engine.retire(spec.function_name)
        assert env.state is EnvState.DEAD
        env.initialised()  # a no-op once dead: destruction may overtake any step
        assert env.state is EnvState.DEAD

    run_engine(body)
