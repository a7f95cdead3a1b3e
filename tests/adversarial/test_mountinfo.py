"""/proc/self/mountinfo inside an environment names no path of the host's layout: not
the server's run, disk or data directories, its virtualenv, the interpreter's prefix,
nor the function's code directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.linux import LinuxSandbox
from tests.unit.engine.conftest import MakeSpec, make_spec
from tests.unit.engine.helpers import request
from tests.unit.sandbox.helpers import DISK_DIR, RUN_DIR, needs_isolation, run_isolated

__all__ = ["make_spec"]
pytestmark = needs_isolation

MOUNTS = """
def handler(event, context):
    return open("/proc/self/mountinfo").read()
"""
CHECKOUT = str(Path(__file__).resolve().parents[2])


def test_mountinfo_reveals_no_host_path(make_spec: MakeSpec, tmp_path: Path) -> None:
    spec = make_spec(MOUNTS)

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        result = await engine.invoke(spec, request(spec))
        assert result.function_error is None, result.payload
        mountinfo = json.loads(result.payload)
        # What the host has there (the interpreter's prefix: see below).
        secrets = {
            "run dir": str(RUN_DIR),
            "disk dir": str(DISK_DIR),
            "instance": f"/{sandbox.instance}/",
            "code dir": str(spec.code_dir),
            "temporary dir": str(tmp_path),
            "virtualenv": sys.prefix,
            "checkout": CHECKOUT,
        }
        seen = {name: path for name, path in secrets.items() if path in mountinfo}
        assert seen == {}, mountinfo
        # The interpreter's own installation is at its host path inside (the runtime is a
        # fork of a zygote started there; its sys.prefix says so anyway), and only there.
        prefix = sys.base_prefix
        for line in mountinfo.splitlines():
            root, point = line.split()[3:5]
            if prefix in line:
                assert root == point == prefix, line

    run_isolated(body)
