"""Timing helpers shared by every measurement: statistics, a raw keep-alive invoker, ports."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"
EXPECTED_BODY = {"ok": True}


@dataclass(frozen=True)
class Stats:
    """Latency samples in milliseconds, with percentiles by linear interpolation."""

    samples_ms: tuple[float, ...]

    @classmethod
    def of(cls, samples_ms: list[float]) -> Stats:
        if not samples_ms:
            raise ValueError("no samples")
        return cls(tuple(sorted(samples_ms)))

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    def pct(self, q: float) -> float:
        s = self.samples_ms
        pos = (len(s) - 1) * q / 100.0
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p90(self) -> float:
        return self.pct(90)

    @property
    def p99(self) -> float:
        return self.pct(99)

    @property
    def mean(self) -> float:
        return sum(self.samples_ms) / len(self.samples_ms)


def time_calls(call: Callable[[], object], n: int) -> Stats:
    """Run `call` n times sequentially; the latency of each call in ms."""
    samples: list[float] = []
    clock = time.perf_counter
    for _ in range(n):
        t0 = clock()
        call()
        samples.append((clock() - t0) * 1000.0)
    return Stats.of(samples)


class RawInvoker:
    """POST /2015-03-31/functions/<name>/invocations over one keep-alive connection."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self._headers = {"Content-Type": "application/json"}

    def invoke(self, name: str, body: bytes = b"{}") -> bytes:
        self._conn.request("POST", INVOKE_PATH.format(name=name), body, self._headers)
        resp = self._conn.getresponse()
        data = resp.read()
        if resp.status != 200 or resp.getheader("X-Amz-Function-Error"):
            raise RuntimeError(f"invoke {name}: HTTP {resp.status} {data[:300]!r}")
        return data

    def close(self) -> None:
        self._conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch_server(
    argv: list[str],
    log_path: Path,
    env: dict[str, str],
    host: str,
    port: int,
    timeout: float,
    what: str,
    cwd: Path | None = None,
) -> tuple[subprocess.Popen[bytes], float]:
    """Start a server in its own process group with its output in `log_path`; wait for
    its port. Returns the process and the seconds it took. On failure the process group
    is killed and the error carries the log's tail."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        return proc, wait_for_port(host, port, timeout=timeout, proc=proc)
    except Exception as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{what} did not start: {exc}\n{tail}") from exc


def wait_for_port(
    host: str, port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> float:
    """Wait until host:port accepts TCP connections; seconds waited. Fails early if proc dies."""
    t0 = time.monotonic()
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return time.monotonic() - t0
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before port {port}")
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"port {port} not open after {timeout:.0f} s")
        time.sleep(0.05)


def cpu_busy_fraction(interval: float = 1.0) -> float:
    """Share of all CPUs' time spent busy (not idle or iowait) over `interval` seconds."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    total0, idle0 = sample()
    time.sleep(interval)
    total1, idle1 = sample()
    total = max(total1 - total0, 1)
    return 1.0 - (idle1 - idle0) / total


def wait_quiet(max_seconds: float, busy_below: float = 0.10, quiet_seconds: int = 3) -> float:
    """Wait until the CPUs were busy < busy_below for quiet_seconds in a row; seconds waited."""
    t0 = time.monotonic()
    quiet = 0
    while quiet < quiet_seconds and time.monotonic() - t0 < max_seconds:
        quiet = quiet + 1 if cpu_busy_fraction() < busy_below else 0
    return time.monotonic() - t0
