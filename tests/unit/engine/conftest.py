"""Fixtures for engine tests: functions written to temporary directories."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from nubis.model.function import FunctionSpec
from tests.unit.engine.helpers import ARN, RUNTIME

MakeSpec = Callable[..., FunctionSpec]


@pytest.fixture
def make_spec(tmp_path: Path) -> MakeSpec:
    """Write `code` as app.py of a new function and return its spec."""

    def make(
        code: str,
        *,
        name: str = "fn",
        handler: str = "app.handler",
        timeout_s: int = 3,
        memory_mb: int = 128,
        environment: dict[str, str] | None = None,
        key: str | None = None,
        files: dict[str, str] | None = None,
        runtime: str = RUNTIME,
    ) -> FunctionSpec:
        code_dir = tmp_path / f"{name}-{uuid.uuid4().hex[:8]}"
        code_dir.mkdir()
        (code_dir / "app.py").write_text(textwrap.dedent(code))
        for rel, text in (files or {}).items():
            (code_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (code_dir / rel).write_text(textwrap.dedent(text))
        return FunctionSpec(
            key=key or uuid.uuid4().hex,
            function_name=name,
            function_arn=ARN + name,
            version="$LATEST",
            runtime=runtime,
            handler=handler,
            code_dir=code_dir,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            ephemeral_mb=512,
            environment=environment or {},
            log_group=f"/aws/lambda/{name}",
        )

    return make
