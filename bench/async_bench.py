"""Asynchronous invocation and queue benchmarks, each beside a same-run baseline.

    .venv/bin/python bench/async_bench.py          # about a minute: docs/async-benchmarks.md
    .venv/bin/python bench/async_bench.py --quick   # a few seconds per row; writes bench/.work/

Nubis runs as `nubis serve` in a temporary data directory. Baselines, on this machine in
the same run, with the same client code shape (raw keep-alive HTTP for Nubis, the
services' usual Python clients for theirs):
- RabbitMQ (127.0.0.1:5672, guest/guest) with a durable queue, persistent messages and
  publisher confirms: like Nubis's 202, a confirm means the broker has fsync'd the message.
- Redis lists (127.0.0.1:6379) over raw RESP: in memory, not fsync'd per write (an
  upper bound, not a like-for-like durability).
- synchronous `RequestResponse` invocations of the same function, for end-to-end
  processing.
A baseline whose service is not reachable is reported as such.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NUBIS = Path(sys.executable).with_name("nubis")
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
INVOKE = "/2015-03-31/functions/{name}/invocations"


# ------------------------------------------------------------------- statistics
@dataclass
class Row:
    what: str
    nubis: str
    baselines: list[tuple[str, str]]


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round((len(s) - 1) * q / 100))]


def lat(samples_ms: list[float]) -> str:
    return (
        f"p50 {pct(samples_ms, 50):.2f} ms, p99 {pct(samples_ms, 99):.2f} ms (n={len(samples_ms)})"
    )


def rate(count: int, seconds: float, unit: str = "/s") -> str:
    return f"{count / seconds:,.0f}{unit} ({count} in {seconds:.2f} s)"


def sequential(call: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


def parallel(
    make: Callable[[], Callable[[], int]], threads: int, seconds: float
) -> tuple[int, float]:
    """`threads` workers, each with its own client from `make`, calling it until time is
    up; the call returns how many items it handled. (items, elapsed)."""
    stop = time.monotonic() + seconds
    counts = [0] * threads
    ready = threading.Barrier(threads + 1)

    def work(i: int) -> None:
        call = make()
        ready.wait()
        while time.monotonic() < stop:
            counts[i] += call()

    ts = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for t in ts:
        t.start()
    ready.wait()
    start = time.monotonic()
    for t in ts:
        t.join()
    return sum(counts), time.monotonic() - start


# ------------------------------------------------------------------- nubis
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def nubis_server(workdir: Path) -> Iterator[int]:
    port = free_port()
    log = open(workdir / "nubis-async.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [
            str(NUBIS),
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(workdir / "data"),
            "--log-level",
            "WARNING",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("nubis did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Http:
    """A raw keep-alive client: the cheapest honest client for a server-side number."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()


def invoker(port: int, name: str, kind: str) -> Callable[[], int]:
    client = Http(port)
    path = INVOKE.format(name=name)
    headers = {"X-Amz-Invocation-Type": kind, "Content-Type": "application/json"}

    def call() -> int:
        status, _ = client.post(path, b'{"k": 1}', headers)
        if status not in (200, 202):
            raise RuntimeError(f"invoke answered {status}")
        return 1

    return call


def sqs_call(client: Http, op: str, doc: dict[str, Any]) -> dict[str, Any]:
    status, body = client.post(
        "/",
        json.dumps(doc).encode(),
        {"X-Amz-Target": f"AmazonSQS.{op}", "Content-Type": "application/x-amz-json-1.0"},
    )
    if status != 200:
        raise RuntimeError(f"{op} answered {status}: {body[:200]!r}")
    return json.loads(body) if body else {}


def deploy(port: int, name: str) -> None:
    import boto3

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lambda_function.py", HANDLER)
    lam = boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/x",
        Handler="lambda_function.handler",
        Code={"ZipFile": buf.getvalue()},
    )


def event_depth(workdir: Path) -> int:
    with contextlib.closing(sqlite3.connect(workdir / "data" / "events.db", timeout=30)) as db:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])


# ------------------------------------------------------------------- baselines
class Redis:
    def __init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", 6379), timeout=10)
        self.file = self.sock.makefile("rb")

    def cmd(self, *parts: bytes) -> bytes:
        out = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        self.sock.sendall(out)
        line = self.file.readline()
        if line[:1] == b"$":
            size = int(line[1:])
            return b"" if size < 0 else self.file.read(size + 2)[:-2]
        if line[:1] == b"-":
            raise RuntimeError(line.decode())
        return line


def redis_up() -> bool:
    try:
        return Redis().cmd(b"PING").startswith(b"+PONG")
    except OSError:
        return False


def rabbit_channel(queue: str) -> Any:
    import pika

    conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 5672))
    ch = conn.channel()
    ch.queue_declare(queue=queue, durable=True)
    ch.confirm_delivery()
    return ch


def rabbit_up() -> bool:
    try:
        import pika  # noqa: F401

        rabbit_channel("nubis-bench-probe").connection.close()
        return True
    except Exception:
        return False


def rabbit_publisher(queue: str) -> Callable[[], int]:
    import pika

    ch = rabbit_channel(queue)
    props = pika.BasicProperties(delivery_mode=2)

    def call() -> int:
        ch.basic_publish("", queue, b'{"k": 1}', props)  # returns after the broker's confirm
        return 1

    return call


def rabbit_consumer(queue: str) -> Callable[[], int]:
    ch = rabbit_channel(queue)

    def call() -> int:
        method, _props, _body = ch.basic_get(queue)
        if method is None:
            return 0
        ch.basic_ack(method.delivery_tag)
        return 1

    return call


# ------------------------------------------------------------------- the run
def run(quick: bool, out: Path) -> None:
    n_seq = 300 if quick else 2000
    secs = 1.0 if quick else 3.0
    threads = 8
    n_e2e = 300 if quick else 2000
    load_before = os.getloadavg()
    rows: list[Row] = []
    have_redis, have_rabbit = redis_up(), rabbit_up()
    rq = f"nubis-bench-{os.getpid()}"

    def absent(which: str) -> tuple[str, str]:
        return which, "not reachable"

    with tempfile.TemporaryDirectory() as tmp, nubis_server(Path(tmp)) as port:
        work = Path(tmp)
        deploy(port, "hello")
        invoker(port, "hello", "RequestResponse")()  # warm

        # 1. 202 latency
        nubis = lat(sequential(invoker(port, "hello", "Event"), n_seq))
        base = []
        if have_rabbit:
            base.append(
                (
                    "RabbitMQ publish, persistent + confirm",
                    lat(sequential(rabbit_publisher(rq), n_seq)),
                )
            )
        else:
            base.append(absent("RabbitMQ"))
        if have_redis:
            r = Redis()
            base.append(
                (
                    "Redis LPUSH (not fsync'd)",
                    lat(sequential(lambda: r.cmd(b"LPUSH", rq.encode(), b'{"k": 1}'), n_seq)),
                )
            )
        rows.append(Row("Event invoke: time to 202 (1 client, sequential)", nubis, base))
        while event_depth(work):
            time.sleep(0.2)

        # 2. accepted events/s
        count, el = parallel(lambda: invoker(port, "hello", "Event"), threads, secs)
        nubis = rate(count, el)
        base = []
        if have_rabbit:
            c, e = parallel(lambda: rabbit_publisher(rq), threads, secs)
            base.append(("RabbitMQ persistent + confirm", rate(c, e)))
        else:
            base.append(absent("RabbitMQ"))
        if have_redis:

            def redis_push() -> Callable[[], int]:
                r = Redis()
                return lambda: bool(r.cmd(b"LPUSH", rq.encode(), b'{"k": 1}')) or 1

            c, e = parallel(redis_push, threads, secs)
            base.append(("Redis LPUSH", rate(c, e)))
        rows.append(Row(f"Event invokes accepted/s ({threads} clients)", nubis, base))
        t = time.monotonic()
        while event_depth(work):
            time.sleep(0.05)
        drain = time.monotonic() - t

        # 3. end-to-end processed events/s: a burst accepted, then run to the end
        calls = [invoker(port, "hello", "Event") for _ in range(threads)]
        per = n_e2e // threads
        start = time.monotonic()
        ts = [threading.Thread(target=lambda c=c: [c() for _ in range(per)]) for c in calls]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        accepted_at = time.monotonic() - start
        while event_depth(work):
            time.sleep(0.02)
        done = time.monotonic() - start
        nubis = f"{rate(per * threads, done)}; all accepted after {accepted_at:.2f} s"
        sync_n, sync_el = parallel(lambda: invoker(port, "hello", "RequestResponse"), threads, secs)
        rows.append(
            Row(
                f"Event invokes processed end to end/s ({per * threads} events)",
                nubis,
                [
                    (f"RequestResponse invokes/s, {threads} clients", rate(sync_n, sync_el)),
                    ("(backlog of the previous row drained in)", f"{drain:.2f} s"),
                ],
            )
        )

        # 4. queue service throughput
        admin = Http(port)
        url = sqs_call(admin, "CreateQueue", {"QueueName": "bench"})["QueueUrl"]

        def sender() -> Callable[[], int]:
            c = Http(port)
            return lambda: (
                bool(sqs_call(c, "SendMessage", {"QueueUrl": url, "MessageBody": '{"k": 1}'})) or 1
            )

        def batch_sender() -> Callable[[], int]:
            c = Http(port)
            entries = [{"Id": str(i), "MessageBody": '{"k": 1}'} for i in range(10)]
            return lambda: len(
                sqs_call(c, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})["Successful"]
            )

        def receiver() -> Callable[[], int]:
            c = Http(port)

            def call() -> int:
                got = sqs_call(
                    c, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}
                ).get("Messages", [])
                if got:
                    sqs_call(
                        c,
                        "DeleteMessageBatch",
                        {
                            "QueueUrl": url,
                            "Entries": [
                                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                for i, m in enumerate(got)
                            ],
                        },
                    )
                return len(got)

            return call

        c, e = parallel(sender, threads, secs)
        base = []
        if have_rabbit:
            rc, re_ = parallel(lambda: rabbit_publisher(rq), threads, secs)
            base.append(("RabbitMQ persistent + confirm", rate(rc, re_)))
        if have_redis:
            base.append(("Redis LPUSH: see the accepted/s row", "-"))
        rows.append(Row(f"SendMessage msgs/s ({threads} clients)", rate(c, e), base))
        c, e = parallel(batch_sender, threads, secs)
        rows.append(Row(f"SendMessageBatch (10) msgs/s ({threads} clients)", rate(c, e), []))
        c, e = parallel(receiver, threads, secs)
        base = []
        if have_rabbit:
            rc, re_ = parallel(lambda: rabbit_consumer(rq), threads, secs)
            base.append(("RabbitMQ basic_get + ack", rate(rc, re_)))
        if have_redis:

            def redis_pop() -> Callable[[], int]:
                r = Redis()
                return lambda: 1 if r.cmd(b"RPOP", rq.encode()) else 0

            rc, re_ = parallel(redis_pop, threads, secs)
            base.append(("Redis RPOP", rate(rc, re_)))
        rows.append(
            Row(
                f"ReceiveMessage (10) + DeleteMessageBatch msgs/s ({threads} clients)",
                rate(c, e),
                base,
            )
        )

    if have_redis:
        Redis().cmd(b"DEL", rq.encode())
    if have_rabbit:
        with contextlib.suppress(Exception):
            rabbit_channel(rq).queue_delete(rq)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(rows, quick, load_before, os.getloadavg()))
    print(out.read_text())


def report(
    rows: list[Row], quick: bool, before: tuple[float, ...], after: tuple[float, ...]
) -> str:
    lines = [
        "# Asynchronous invocation and queue benchmarks",
        "",
        "Written by `bench/async_bench.py`" + (" (--quick)" if quick else "") + f" on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}. Load average "
        f"{before[0]:.2f} before, {after[0]:.2f} after (other work on the machine skews "
        "every number). Clients are Python threads on the same machine.",
        "",
        "Durability: a Nubis 202 and a SendMessage answer come after an fsync'd SQLite (WAL) "
        "commit, shared by concurrent requests (group commit). RabbitMQ's confirm of a "
        "persistent message to a durable queue is the like-for-like baseline; Redis lists "
        "are in memory (no AOF here), an upper bound.",
        "",
        "| measurement | Nubis | baseline (same run) |",
        "| --- | --- | --- |",
    ]
    for row in rows:
        base = "<br>".join(f"{name}: {value}" for name, value in row.baselines) or "-"
        lines.append(f"| {row.what} | {row.nubis} | {base} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    out = ROOT / (
        "bench/.work/async-benchmarks-quick.md" if args.quick else "docs/async-benchmarks.md"
    )
    run(args.quick, out)


if __name__ == "__main__":
    main()
