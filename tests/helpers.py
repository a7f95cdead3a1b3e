"""Shared test helpers: a real Nubis server on loopback, clients, function packages."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::000000000000:role/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    endpoint: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(data_dir: Path, *extra: str, port: int | None = None) -> Iterator[Server]:
    """`nubis serve` as a real subprocess; stopped with SIGTERM (or killed) afterwards."""
    port = port or free_port()
    if "--isolation" not in extra:
        # Most tests coordinate with their functions through the host's files, which a
        # sandbox hides; tests/unit/sandbox runs servers with `--isolation on`.
        extra = (*extra, "--isolation", "off")
    log_path = data_dir.parent / f"server-{port}.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nubis.cli.main",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir, proc, log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{server.log()}") from None
                time.sleep(0.05)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def lambda_client(endpoint: str, **config: Any) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=120, **config),
    )


def make_zip(files: Mapping[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, textwrap.dedent(content) if isinstance(content, str) else content)
    return buf.getvalue()


def create(client: Any, name: str, code: str | Mapping[str, str | bytes], **kwargs: Any) -> Any:
    files = {"lambda_function.py": code} if isinstance(code, str) else code
    params: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.11",
        "Role": ROLE,
        "Handler": "lambda_function.handler",
        "Code": {"ZipFile": make_zip(files)},
    }
    params.update(kwargs)
    return client.create_function(**params)


def children_of(pid: int) -> list[int]:
    """All live descendants of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out.extend(kids)
        frontier.extend(kids)
    return out
