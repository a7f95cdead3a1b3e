"""Baseline: a fresh Python process per invocation that imports the handler and calls it.

This is the floor for any design that launches a process per cold start: the interpreter's
own start-up, the handler's import, one call, the result on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from measure import EXPECTED_BODY, Stats

HANDLER_DIR = Path(__file__).with_name("peer")

# The real interpreter behind the virtualenv (not a pyenv shim, not the venv's site-packages):
# the same binary that serverless-offline is given as `python3` (see peer.py).
PYTHON = os.path.realpath(sys.executable)

_CODE = (
    "import sys, json\n"
    f"sys.path.insert(0, {str(HANDLER_DIR)!r})\n"
    "import handler\n"
    "sys.stdout.write(json.dumps(handler.hello(json.loads(sys.argv[1]), None)) + '\\n')\n"
    "sys.stdout.flush()\n"
)


def invoke_fresh_process() -> float:
    """One invocation in a new process; ms from spawn until the result line is read."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-c", _CODE, "{}"], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = (time.perf_counter() - t0) * 1000.0
    proc.stdout.close()
    proc.wait()
    if json.loads(line) != EXPECTED_BODY:
        raise RuntimeError(f"fresh process returned {line!r}")
    return elapsed


def cold_stats(n: int) -> Stats:
    invoke_fresh_process()  # page cache warm-up, not counted
    return Stats.of([invoke_fresh_process() for _ in range(n)])


def throughput(seconds: float, workers: int = 2) -> tuple[Stats, float]:
    """Latencies and elapsed s, `workers` threads each running fresh processes back to back."""
    latencies: list[list[float]] = [[] for _ in range(workers)]
    deadline = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < deadline:
            latencies[i].append(invoke_fresh_process())

    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Stats.of([x for per in latencies for x in per]), time.monotonic() - t0
