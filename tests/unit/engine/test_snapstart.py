"""SnapStart: a published version's cold starts are forks of its initialised snapshot."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time

from nubis.engine.local import LocalEngine
from nubis.model.clock import FakeClock
from nubis.model.settings import EngineSettings
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, run_engine, until

SLOW_INIT = """
import time
time.sleep(0.3)  # an expensive init (imports, connections)
INITIALISED = time.time()

def handler(event, context):
    time.sleep(event.get("hold", 0))
    return {"initialised": INITIALISED, "now": time.time()}
"""


def _all_logs(sink: MemoryLogSink) -> str:
    return "".join(c for streams in sink.groups.values() for s in streams.values() for c in s)


def _report(tail: str) -> str:
    return next(line for line in tail.splitlines() if line.startswith("REPORT"))


def test_cold_starts_of_a_snapstart_version_restore_an_initialised_environment(
    make_spec: MakeSpec,
) -> None:
    spec = dataclasses.replace(make_spec(SLOW_INIT), version="1", snap_start=True)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        first = await engine.invoke(spec, request(spec, tail=True))
        assert first.log_tail is not None
        assert "Init Duration" in _report(first.log_tail)  # nothing was ready yet
        # The snapshot is made in the background (init, then it waits to be forked).
        await until(lambda: engine.snapstart_ready(spec) == 1, limit_s=10)
        # Two at once: one takes the idle environment, the other a cold start: restored.
        started = time.time()
        results = await asyncio.gather(
            *(engine.invoke(spec, request(spec, b'{"hold": 0.2}', tail=True)) for _ in range(2))
        )
        reports = [_report(r.log_tail or "") for r in results]
        restored = [r for r in reports if "Restore Duration" in r]
        assert len(restored) == 1, reports
        assert "Init Duration" not in restored[0]
        assert re.search(r"Restore Duration: [\d.]+ ms", restored[0])
        assert re.search(r"Billed Restore Duration: \d+ ms", restored[0])
        # Its init ran before this invocation arrived, not because of it.
        outcome = [json.loads(r.payload) for r in results]
        assert all(o["initialised"] < started for o in outcome)

    run_engine(body)


def test_unpublished_or_unflagged_versions_have_no_snapshot(make_spec: MakeSpec) -> None:
    spec = make_spec("def handler(e, c): return 1")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        await engine.invoke(spec, request(spec))
        await asyncio.sleep(0.3)
        assert engine.environment_count() == 1

    run_engine(body)


def test_snapshots_of_unused_versions_are_reaped(make_spec: MakeSpec) -> None:
    clock = FakeClock()
    spec = dataclasses.replace(
        make_spec("def handler(e, c): return 1"), version="1", snap_start=True
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        await engine.invoke(spec, request(spec))
        await until(lambda: engine.snapstart_ready(spec) == 1)
        clock.advance(61)
        await engine.reap_idle()
        assert engine.snapstart_ready(spec) == 0
        assert engine.environment_count() == 0

    run_engine(body, settings=EngineSettings(idle_timeout_s=60), clock=clock)


def test_a_version_prepared_at_publish_restores_on_its_first_cold_start(
    make_spec: MakeSpec,
) -> None:
    spec = dataclasses.replace(make_spec(SLOW_INIT), version="1", snap_start=True)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        engine.prepare_snapstart(spec)  # what PublishVersion does for a SnapStart version
        await until(lambda: engine.snapstart_ready(spec) == 1, limit_s=10)
        started = time.time()
        first = await engine.invoke(spec, request(spec, tail=True))
        report = _report(first.log_tail or "")
        assert "Restore Duration" in report
        assert "Init Duration" not in report
        assert json.loads(first.payload)["initialised"] < started

    run_engine(body)


def test_prepare_snapstart_ignores_versions_without_it(make_spec: MakeSpec) -> None:
    spec = dataclasses.replace(make_spec("def handler(e, c): return 1"), version="1")

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        engine.prepare_snapstart(spec)
        await asyncio.sleep(0.3)
        assert engine.snapstart_ready(spec) == 0
        assert engine.environment_count() == 0

    run_engine(body)


FAILING_HOOK = """
from snapshot_restore_py import register_before_snapshot

@register_before_snapshot
def refuse():
    raise RuntimeError("no snapshot today")

def handler(event, context):
    return "ran"
"""


def test_a_failing_before_snapshot_hook_leaves_ordinary_cold_starts(make_spec: MakeSpec) -> None:
    spec = dataclasses.replace(make_spec(FAILING_HOOK), version="1", snap_start=True)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        engine.prepare_snapstart(spec)
        await until(lambda: "no snapshot today" in _all_logs(sink), limit_s=10)
        await asyncio.sleep(0.2)
        assert engine.snapstart_ready(spec) == 0
        assert engine.environment_count() == 0  # the failed snapshot is gone
        result = await engine.invoke(spec, request(spec, tail=True))
        assert json.loads(result.payload) == "ran"
        assert "Init Duration" in _report(result.log_tail or "")

    run_engine(body)


def test_a_burst_of_cold_starts_forks_the_snapshot(make_spec: MakeSpec) -> None:
    spec = dataclasses.replace(make_spec(SLOW_INIT), version="1", snap_start=True)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        engine.prepare_snapstart(spec)
        await until(lambda: engine.environment_count() == 2, limit_s=10)  # + one ahead
        started = time.time()
        results = await asyncio.gather(
            *(engine.invoke(spec, request(spec, b'{"hold": 0.3}', tail=True)) for _ in range(4))
        )
        for result in results:
            report = _report(result.log_tail or "")
            assert "Restore Duration" in report, report
            assert "Init Duration" not in report
        # One init, before they arrived, in every one of them: forks of one snapshot.
        outcome = {json.loads(r.payload)["initialised"] for r in results}
        assert len(outcome) == 1
        assert outcome.pop() < started

    run_engine(body)


BUNDLED_HOOKS = """
import snapshot_restore_py
from snapshot_restore_py import register_after_restore, register_before_snapshot

EVENTS = []
register_before_snapshot(EVENTS.append, "before")
register_after_restore(EVENTS.append, "after")

def handler(event, context):
    return {"events": EVENTS, "library": snapshot_restore_py.__file__}
"""


def test_hooks_of_a_bundled_snapshot_restore_py_run(make_spec: MakeSpec) -> None:
    import importlib.util
    import shutil

    library = importlib.util.find_spec("snapshot_restore_py")
    assert library is not None
    assert library.origin is not None
    spec = dataclasses.replace(make_spec(BUNDLED_HOOKS), version="1", snap_start=True)
    shutil.copy(library.origin, spec.code_dir / "snapshot_restore_py.py")  # as users bundle it

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        engine.prepare_snapstart(spec)
        await until(lambda: engine.environment_count() == 2, limit_s=10)  # + one ahead
        result = await engine.invoke(spec, request(spec, tail=True))
        assert "Restore Duration" in _report(result.log_tail or "")
        seen = json.loads(result.payload)
        assert seen["library"] == str(spec.code_dir / "snapshot_restore_py.py")
        assert seen["events"] == ["before", "after"]

    run_engine(body)
