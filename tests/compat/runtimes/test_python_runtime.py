"""The Python runtime on its own: its literals agree with the engine's, it runs by path
against any Runtime API server, and interpreter discovery rejects interpreters that fail."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

from nubis.engine import runtime_api_constants as C
from nubis.engine import runtimes
from nubis.engine.runtime_api import Invocation, Reply, RuntimeApiServer
from nubis.model.function import InvokeRequest

RUNTIME_DIR = Path(__file__).resolve().parents[3] / "src" / "nubis" / "runtimes" / "python"


def load_bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_bootstrap_under_test", RUNTIME_DIR / "bootstrap.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runtime_literals_agree_with_the_engine() -> None:
    boot = load_bootstrap()
    shared = [
        name
        for name in dir(boot)
        if name.isupper() and name.startswith(("PATH_", "HDR_", "SUFFIX_", "API_VERSION", "ENV_"))
    ]
    assert len(shared) > 15
    for name in shared:
        if name == "ENV_TRACE_ID":
            continue  # set by the runtime itself, not by the engine
        assert getattr(boot, name) == getattr(C, name), name


def test_runtime_imports_nothing_from_nubis() -> None:
    for path in RUNTIME_DIR.glob("*.py"):
        text = path.read_text()
        assert "import nubis" not in text, path
        assert "from nubis" not in text, path


def test_bootstrap_runs_by_path_against_a_runtime_api(tmp_path: Path) -> None:
    (tmp_path / "fn.py").write_text("def go(event, context):\n    return event * 2\n")

    async def main() -> None:
        api = RuntimeApiServer()
        address = await api.start()
        env = {
            C.ENV_RUNTIME_API: address,
            C.ENV_HANDLER: "fn.go",
            "PYTHONPATH": str(tmp_path),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(RUNTIME_DIR / "bootstrap.py"), env=env, cwd=tmp_path
        )
        try:
            assert await asyncio.wait_for(api.ready, 10) is None
            reply: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
            api.dispatch(Invocation(InvokeRequest("r1", b"21", "arn"), 0, reply))
            assert (await asyncio.wait_for(reply, 10)).payload == b"42"
        finally:
            await api.close()  # the parked /next gets 500 and the runtime exits
            assert await asyncio.wait_for(proc.wait(), 10) != 0

    asyncio.run(main())


def test_error_format_matches_awslambdaric() -> None:
    boot = load_bootstrap()
    try:
        raise ValueError("boom")
    except ValueError as e:
        err = boot.error_from_exception(e, "rid")
    assert err["errorType"] == "ValueError"
    assert err["errorMessage"] == "boom"
    assert err["requestId"] == "rid"
    assert isinstance(err["stackTrace"], list)
    assert err["stackTrace"][0].startswith('  File "')
    assert json.loads(json.dumps(err)) == err


def test_discovery_verifies_interpreters(tmp_path: Path) -> None:
    broken = tmp_path / "python3.13"
    broken.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    broken.chmod(0o755)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{tmp_path}:{old_path}"
    try:
        found = asyncio.run(runtimes.discover())
    finally:
        os.environ["PATH"] = old_path
    assert found.get("python3.13") != str(broken)
    own = f"python3.{sys.version_info[1]}"
    assert own in found
    assert ".venv" not in found[own]
