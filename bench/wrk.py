"""Throughput with wrk (Debian package `wrk`) and bench/invoke.lua."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from measure import INVOKE_PATH

LUA = Path(__file__).with_name("invoke.lua")
MISSING = "wrk is not installed: install it with `apt-get update && apt-get install -y wrk`"


@dataclass(frozen=True)
class WrkResult:
    command: str
    requests: int
    seconds: float
    errors: int  # connect, read, write, timeout and non-2xx, as wrk counts them
    bad: int  # answered, but not 200 with the handler's result (function errors included)
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    host: str, port: int, function: str, seconds: int, threads: int = 2, connections: int = 8
) -> WrkResult:
    exe = wrk_path()
    if exe is None:
        raise RuntimeError(MISSING)
    url = f"http://{host}:{port}{INVOKE_PATH.format(name=function)}"
    argv = [exe, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(LUA), url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=True)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith('{"requests"')]
    if not lines:
        raise RuntimeError(f"no summary from wrk:\n{out.stdout}\n{out.stderr}")
    data = json.loads(lines[-1])
    lat = data["latency_us"]
    shown = ["wrk", *argv[1:4], "-s", "bench/invoke.lua", url]
    return WrkResult(
        command=" ".join(shown),
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        errors=sum(int(v) for v in data["errors"].values()),
        bad=int(data["bad"]),
        p50_ms=lat["p50"] / 1000.0,
        p90_ms=lat["p90"] / 1000.0,
        p99_ms=lat["p99"] / 1000.0,
        mean_ms=lat["mean"] / 1000.0,
    )
