"""Isolated Python code is read-only inside, so it cannot cache its own bytecode: Nubis
compiles a function's code after its first launch and later cold starts load the .pyc."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.linux import LinuxSandbox
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, until
from tests.unit.sandbox.helpers import needs_isolation, run_isolated

pytestmark = needs_isolation

CODE = """
import os, sys, time, uuid

ENV = uuid.uuid4().hex

def handler(event, context):
    time.sleep(event.get("hold", 0))
    return {"cached": __cached__, "from_pyc": os.path.exists(__cached__), "env": ENV}
"""


def test_later_cold_starts_load_precompiled_bytecode(make_spec: MakeSpec) -> None:
    spec = make_spec(CODE)

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        first = json.loads((await engine.invoke(spec, request(spec))).payload)
        assert first["cached"].startswith("/var/task/__pycache__/")
        pyc = spec.code_dir / "__pycache__" / first["cached"].rsplit("/", 1)[1]
        await until(pyc.exists, limit_s=20)
        # Two at once: the warm environment and a new one, which imports the .pyc.
        both = await asyncio.gather(
            *(engine.invoke(spec, request(spec, b'{"hold": 0.2}')) for _ in range(2))
        )
        # (The warm one's read-only view of its code may not show files added since it
        # started: /var/task is an overlay, see confine_root._overlay_bind.)
        (new,) = [seen for r in both if (seen := json.loads(r.payload))["env"] != first["env"]]
        assert new["from_pyc"]
        assert engine.environment_count() == 2

    run_isolated(body)


def test_the_isolated_engine_states_its_protections_at_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        assert sandbox.read_only_code  # so the engine compiles the code's .pyc files

    with caplog.at_level(logging.INFO, logger="nubis.engine.local"):
        run_isolated(body)
    said = [(r.levelno, r.getMessage()) for r in caplog.records if "sandbox:" in r.getMessage()]
    assert len(said) == 1
    assert said[0][0] == logging.INFO
    assert said[0][1].startswith("sandbox: isolated: mount, PID, IPC, UTS and network")
