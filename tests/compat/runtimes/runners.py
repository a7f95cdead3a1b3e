"""Run a runtime test against the unisolated engine and, where the host allows, the
Linux sandbox: a runtime must work the same in both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.helpers import run_engine
from tests.unit.sandbox.helpers import needs_isolation, run_isolated

Body = Callable[[LocalEngine, MemoryLogSink], Awaitable[Any]]


def unisolated(body: Body) -> Any:
    return run_engine(body)


def isolated(body: Body) -> Any:
    return run_isolated(lambda engine, sink, sandbox: body(engine, sink))


RUNNERS = [
    pytest.param(unisolated, id="process"),
    pytest.param(isolated, id="linux", marks=needs_isolation),
]
