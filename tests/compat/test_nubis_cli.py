"""The `nubis` command for people: deploy, invoke, ls, logs, rm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def nubis(server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUBIS_ENDPOINT": server.endpoint}
    return subprocess.run(
        [sys.executable, "-m", "nubis.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_deploy_invoke_ls_logs_rm(server: Any, name: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text(
        "import os\n"
        "def main(event, context):\n"
        "    print('greeting', event.get('who'))\n"
        "    return {'hi': event.get('who'), 'env': os.environ['GREETING']}\n"
    )
    r = nubis(
        server,
        "deploy",
        str(src),
        "--name",
        name,
        "--handler",
        "app.main",
        "--memory",
        "256",
        "--env",
        "GREETING=hello",
    )
    assert r.returncode == 0, r.stderr
    assert "created" in r.stdout

    r = nubis(server, "invoke", name, "--payload", '{"who": "ada"}', "--log")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"hi": "ada", "env": "hello"}
    assert "REPORT RequestId" in r.stderr

    payload = tmp_path / "p.json"
    payload.write_text('{"who": "bob"}')
    r = nubis(server, "invoke", name, "--payload", f"@{payload}")
    assert json.loads(r.stdout)["hi"] == "bob"

    r = nubis(
        server, "deploy", str(src), "--name", name, "--handler", "app.main", "--env", "GREETING=bye"
    )
    assert r.returncode == 0, r.stderr
    assert "updated" in r.stdout
    r = nubis(server, "invoke", name)
    assert json.loads(r.stdout)["env"] == "bye"

    r = nubis(server, "ls")
    assert name in r.stdout
    r = nubis(server, "logs", name)
    assert "greeting ada" in r.stdout
    assert "greeting bob" in r.stdout

    r = nubis(server, "rm", name)
    assert r.returncode == 0, r.stderr
    r = nubis(server, "invoke", name)
    assert r.returncode == 1
    assert "ResourceNotFoundException" in r.stderr


def test_failed_invoke_exits_nonzero(server: Any, name: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    raise RuntimeError('nope')\n"
    )
    assert nubis(server, "deploy", str(src), "--name", name).returncode == 0
    r = nubis(server, "invoke", name)
    assert r.returncode == 1
    assert json.loads(r.stdout)["errorType"] == "RuntimeError"
