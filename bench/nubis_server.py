"""Nubis under test: `nubis serve` as a subprocess in a temporary data directory.

Functions are deployed with boto3 (the way a user would); invocations are measured by the
callers in run.py with a raw HTTP client or boto3.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import TracebackType
from typing import Any

from baseline import HANDLER_DIR
from measure import free_port, launch_server

HOST = "127.0.0.1"
ROLE = "arn:aws:iam::000000000000:role/x"
NUBIS = Path(sys.executable).with_name("nubis")


def hello_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(HANDLER_DIR / "handler.py", "handler.py")
    return buf.getvalue()


def lambda_client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=f"http://{HOST}:{port}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


class NubisServer:
    """`nubis serve` on a free port and a temporary data dir; use as a context manager."""

    def __init__(self, log_path: Path, src: Path | None = None) -> None:
        """`src`: a directory holding the `nubis` package to run instead of the installed one."""
        self.log_path = log_path
        self.src = src
        self.port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="nubis-bench-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._client: Any = None
        self._zip = hello_zip()
        self.startup_s = 0.0
        self.exit_note = "not stopped yet"

    @property
    def argv(self) -> list[str]:
        if NUBIS.exists() and self.src is None:
            exe = [str(NUBIS)]
        else:
            exe = [sys.executable, "-m", "nubis.cli.main"]
        return [*exe, "serve", "--host", HOST, "--port", str(self.port),
                "--data-dir", str(self.data_dir)]  # fmt: skip

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = lambda_client(self.port)
        return self._client

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.src is not None:  # ahead of the editable install's path entry
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(self.src), env.get("PYTHONPATH", "")) if p
            )
        return env

    def start(self) -> NubisServer:
        try:
            self._proc, self.startup_s = launch_server(
                self.argv, self.log_path, self._environment(), HOST, self.port, 30, "nubis serve"
            )
        except Exception:
            self.stop()  # removes the data dir
            raise
        return self

    def create_function(self, name: str, memory_mb: int = 128) -> None:
        """Create the hello function and wait until it is Active (if the server has states)."""
        self.client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=ROLE,
            Handler="handler.hello",
            Code={"ZipFile": self._zip},
            MemorySize=memory_mb,
        )
        deadline = time.monotonic() + 30
        while True:
            state = self.client.get_function_configuration(FunctionName=name).get("State")
            if state in (None, "Active"):
                return
            if state == "Failed" or time.monotonic() > deadline:
                raise RuntimeError(f"function {name} is {state}")
            time.sleep(0.01)

    def stop(self) -> None:
        """SIGTERM, wait; SIGKILL the process group if it lingers; remove the data dir."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is not None:
            self.exit_note = f"had exited by itself with code {proc.returncode}"
        elif proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=15)
                self.exit_note = f"exited with code {code} on SIGTERM"
            except subprocess.TimeoutExpired:
                self.exit_note = "ignored SIGTERM for 15 s: killed"
        if proc is not None:
            # Environments (forked runtimes) that outlived the server, if any.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> NubisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
