"""The aws CLI, unchanged, against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers import ROLE, make_zip


def aws(server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    cli = Path(sys.executable).with_name("aws")
    return subprocess.run(
        [str(cli), "--endpoint-url", server.endpoint, "--output", "json", "lambda", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_awscli_lifecycle(server: Any, name: str, tmp_path: Path) -> None:
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(
        make_zip(
            {
                "lambda_function.py": (
                    "def handler(event, context):\n    return {'sum': event['a'] + event['b']}\n"
                )
            }
        )
    )
    r = aws(
        server,
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "python3.11",
        "--role",
        ROLE,
        "--handler",
        "lambda_function.handler",
        "--zip-file",
        f"fileb://{zip_path}",
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["FunctionName"] == name

    r = aws(server, "wait", "function-active-v2", "--function-name", name)
    assert r.returncode == 0, r.stderr

    out = tmp_path / "out.json"
    # aws CLI v1 sends --payload as given (v2 needs --cli-binary-format raw-in-base64-out).
    r = aws(
        server,
        "invoke",
        "--function-name",
        name,
        "--payload",
        '{"a": 2, "b": 3}',
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["StatusCode"] == 200
    assert json.loads(out.read_text()) == {"sum": 5}

    r = aws(server, "get-function-configuration", "--function-name", name)
    assert json.loads(r.stdout)["Runtime"] == "python3.11"
    r = aws(server, "list-functions")
    assert name in [f["FunctionName"] for f in json.loads(r.stdout)["Functions"]]

    r = aws(server, "update-function-configuration", "--function-name", name, "--timeout", "901")
    assert r.returncode != 0
    assert "ValidationException" in r.stderr
    assert "Member must have value less than or equal to 900" in r.stderr

    r = aws(
        server, "update-function-code", "--function-name", name, "--zip-file", f"fileb://{zip_path}"
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["CodeSize"] == zip_path.stat().st_size
    r = aws(server, "wait", "function-updated-v2", "--function-name", name)
    assert r.returncode == 0, r.stderr
    r = aws(server, "get-function", "--function-name", name)
    assert json.loads(r.stdout)["Code"]["Location"].startswith(server.endpoint)
    r = aws(server, "get-account-settings")
    assert json.loads(r.stdout)["AccountLimit"]["ConcurrentExecutions"] == 1000
    r = aws(
        server,
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "python3.11",
        "--role",
        ROLE,
        "--handler",
        "lambda_function.handler",
        "--zip-file",
        f"fileb://{zip_path}",
    )
    assert r.returncode != 0
    assert "ResourceConflictException" in r.stderr

    r = aws(server, "delete-function", "--function-name", name)
    assert r.returncode == 0, r.stderr
    r = aws(server, "get-function", "--function-name", name)
    assert r.returncode != 0
    assert "ResourceNotFoundException" in r.stderr
