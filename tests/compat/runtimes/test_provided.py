"""`provided` runtimes: a shell bootstrap with curl, and the official awslambdaric."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from tests.compat.runtimes.runners import RUNNERS
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request

SHELL = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r')"
  rm -f "$HEADERS"
  echo "event: $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" \\
    -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\", \\"cwd\\": \\"$(pwd)\\"}" >/dev/null
done
"""


def _executable(spec_dir: Path, name: str, text: str) -> None:
    path = spec_dir / name
    path.write_text(text)
    path.chmod(0o755)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize("run", RUNNERS)
def test_a_shell_bootstrap_with_curl(make_spec: MakeSpec, run: Callable[..., Any]) -> None:
    spec = make_spec("", handler="function.handler", runtime="provided.al2023", memory_mb=1769)
    _executable(spec.code_dir, "bootstrap", SHELL)

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        for n in (1, 2):
            result = await engine.invoke(spec, request(spec, b'{"n": %d}' % n, tail=True))
            assert result.function_error is None, result.payload
            out = json.loads(result.payload)
            assert out["echo"] == {"n": n}
            assert out["handler"] == "function.handler"
            assert result.log_tail is not None
            assert f'event: {{"n": {n}}}' in result.log_tail

    run(body)


AWSLAMBDARIC = """#!/bin/sh
exec {python} -m awslambdaric "$_HANDLER"
"""


@pytest.mark.parametrize("run", RUNNERS)
def test_awslambdaric_from_a_bootstrap(make_spec: MakeSpec, run: Callable[..., Any]) -> None:
    pytest.importorskip("awslambdaric")
    spec = make_spec(
        """
        def handler(event, context):
            if event.get("fail"):
                raise ValueError("bad value")
            return {"got": event, "id": context.aws_request_id}
        """,
        handler="app.handler",
        runtime="provided.al2",
        memory_mb=1769,
    )
    # As on Lambda, the runtime interface client ships in the package with its deps.
    import awslambdaric
    import simplejson
    import snapshot_restore_py

    for module in (awslambdaric, simplejson):
        src = Path(module.__file__ or "").parent
        shutil.copytree(src, spec.code_dir / src.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(snapshot_restore_py.__file__ or "", spec.code_dir)
    site = Path(snapshot_restore_py.__file__ or "").parent
    for extension in site.glob("runtime_client.*"):  # awslambdaric's C part
        shutil.copy(extension, spec.code_dir)
    # The base interpreter, not the virtualenv's: the sandbox shows the former only.
    python = f"{sys.base_prefix}/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
    _executable(spec.code_dir, "bootstrap", AWSLAMBDARIC.format(python=python))

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        result = await engine.invoke(spec, request(spec, b'{"n": 1}'))
        assert result.function_error is None, result.payload
        assert json.loads(result.payload)["got"] == {"n": 1}
        failed = await engine.invoke(spec, request(spec, b'{"fail": 1}'))
        assert failed.function_error == "Unhandled"
        error = json.loads(failed.payload)
        assert error["errorType"] == "ValueError"
        assert error["errorMessage"] == "bad value"

    run(body)
