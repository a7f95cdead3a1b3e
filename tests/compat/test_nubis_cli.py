"""The `nubis` command for people: deploy, invoke, ls, logs, rm."""

from __future__ import annotations

import argparse
import json
import os
import socket
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


def test_invoke_ends_with_a_newline_and_ls_has_a_header(
    server: Any, name: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 7\n")
    assert nubis(server, "deploy", str(src), "--name", name).returncode == 0
    r = nubis(server, "invoke", name)
    assert r.stdout == "7\n"
    lines = nubis(server, "ls").stdout.splitlines()
    assert lines[0].split() == ["NAME", "RUNTIME", "MEMORY", "LAST", "MODIFIED"]
    assert any(line.split()[:3] == [name, "python3.11", "128"] for line in lines[1:])


def test_logs_of_a_missing_function_print_the_aws_error(server: Any, name: str) -> None:
    r = nubis(server, "logs", name)
    assert r.returncode == 1
    assert r.stderr == (
        "nubis: ResourceNotFoundException: Function not found: "
        f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST\n"
    )


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        serve = [sys.executable, "-m", "nubis.cli.main", "serve", "--isolation", "off"]
        r = subprocess.run(
            [*serve, "--port", str(port), "--data-dir", str(tmp_path / "data")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert r.returncode == 1
    assert r.stderr == f"nubis: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_every_flag_has_help() -> None:
    from nubis.cli.main import _parser

    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [
        f"{command} {action.dest}"
        for command, p in sub.choices.items()
        for action in p._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert missing == []
