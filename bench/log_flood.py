"""A neighbour's warm latency while another function floods its output, in one run:
the neighbour alone first (the baseline), then beside a function that writes as fast as
it can for 5 s; and how much the data dir grew.

    .venv/bin/python bench/log_flood.py [--samples 2000] [--isolation auto]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from measure import RawInvoker, free_port

FLOOD_S = 5.0
FLOODER = f"""
import sys, time
def handler(event, context):
    chunk = ("x" * 1023 + "\\n") * 64
    written = 0
    t0 = time.time()
    while time.time() - t0 < {FLOOD_S}:
        sys.stdout.write(chunk)
        written += len(chunk)
    sys.stdout.flush()
    return written
"""
NEIGHBOUR = "def handler(event, context):\n    return event\n"


def zipped(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", code)
    return buf.getvalue()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pcts(ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"p50 {statistics.median(ms):.3f} ms, p99 {p99:.3f} ms (n={len(ms)})"


def timed(inv: RawInvoker, n: int | None, until: threading.Event | None = None) -> list[float]:
    out = []
    while (n is not None and len(out) < n) or (until is not None and not until.is_set()):
        t = time.perf_counter()
        inv.invoke("neighbour", b'{"k": 1}')
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--isolation", default="auto")
    args = ap.parse_args()
    import boto3
    from botocore.config import Config

    data = Path(tempfile.mkdtemp(prefix="nubis-flood-")) / "data"
    port = free_port()
    cmd = [sys.executable, "-m", "nubis.cli.main", "serve", "--port", str(port)]
    cmd += ["--data-dir", str(data), "--isolation", args.isolation]
    with open(data.parent / "server.log", "wb") as log:
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, read_timeout=120),
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                client.list_functions()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for name, code in (("neighbour", NEIGHBOUR), ("flooder", FLOODER)):
            client.create_function(
                FunctionName=name,
                Runtime=f"python{sys.version_info[0]}.{sys.version_info[1]}",
                Role="arn:aws:iam::000000000000:role/x",
                Handler="app.handler",
                Code={"ZipFile": zipped(code)},
                Timeout=60,
            )
        inv = RawInvoker("127.0.0.1", port)
        timed(inv, 200)  # warm up
        alone = timed(inv, args.samples)
        before = du(data)
        done = threading.Event()
        written: list[int] = []

        def flood() -> None:
            flooder = RawInvoker("127.0.0.1", port, timeout=120)
            written.append(int(json.loads(flooder.invoke("flooder"))))
            flooder.close()
            done.set()

        t = threading.Thread(target=flood)
        t.start()
        beside = timed(inv, None, done)
        t.join()
        time.sleep(0.5)  # the log sink's flush delay
        grown = du(data) - before
        inv.close()
        print(f"isolation {args.isolation}")
        print(f"neighbour alone:          {pcts(alone)}")
        print(f"neighbour beside a flood: {pcts(beside)}")
        print(f"flooder wrote {written[0] / 1e6:.1f} MB in {FLOOD_S:.0f} s")
        print(f"data dir grew {grown / 1e6:.1f} MB")
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
