"""What isolation costs: cold and warm invocations through the HTTP API with and without
the Linux sandbox (same run, same machine), and the memory of idle environments.
Writes docs/isolation-benchmarks.md.

    .venv/bin/python bench/isolation.py [--cold 40] [--warm 1000] [--idle 40] [--snap 8]
                                        [--output PATH]

Method: `nubis serve` in a temporary data directory, once with `--isolation off` (plain
processes) and once with `--isolation on` (namespaces, cgroup, private root, ext4 /tmp,
bridge network). Cold starts: `--cold` functions, each invoked once over one keep-alive
HTTP connection (a raw client: what is measured is the server), 100 ms apart so that the
sandbox's pools keep up, as they would with cold starts arriving ten a second. Warm: one
function invoked `--warm` times back to back. Idle memory: `--idle` idle environments
(one per function) are measured as the drop of the host's MemAvailable (everything: the
processes, page tables, cgroups, network namespaces, veth pairs, mounted /tmp disks) and
as the PSS of the server's process tree; environments are frozen while idle. SnapStart:
see `measure_snapstart`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import nubis_server
from measure import RawInvoker, Stats
from provisioned import footprint

ROOT = Path(__file__).resolve().parent.parent


class Server(nubis_server.NubisServer):
    def __init__(self, log_path: Path, isolation: str) -> None:
        super().__init__(log_path)
        self.isolation = isolation

    @property
    def argv(self) -> list[str]:
        return [*super().argv, "--isolation", self.isolation, "--idle-timeout", "600"]


SNAP = """
import json, time
import boto3  # the expensive init SnapStart takes off the cold path

CLIENT = boto3.client("lambda")

def handler(event, context):
    time.sleep(event.get("hold", 0))
    return {"ok": True}
"""


def snap_zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("snap.py", SNAP)
    return buf.getvalue()


def _timed_hold(invoker: RawInvoker, name: str, out: list[float]) -> None:
    """One invocation that holds 100 ms (so that two sent together overlap), minus that."""
    t0 = time.perf_counter()
    invoker.invoke(name, b'{"hold": 0.1}')
    out.append((time.perf_counter() - t0) * 1000 - 100)


def measure_snapstart(srv: Server, samples: int) -> dict[str, object]:
    """Cold starts of a SnapStart version whose init imports boto3 and makes a client.
    Baseline: the same code without SnapStart, `samples` functions each cold-started once
    (init from scratch). Restores: the version is published (which makes its snapshot),
    then each sample arrives while every warm environment of the version is busy, so it
    is a cold start; two arrive at once: one takes the copy restored ahead (a thaw), the
    other is forked from the snapshot on demand. Burst: `samples` cold starts of the version
    at the same moment (another function's version, so none is warm), each timed by its client."""
    import threading

    client = srv.client

    def create(name: str, snap: bool) -> None:
        client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=nubis_server.ROLE,
            Handler="snap.handler",
            Code={"ZipFile": snap_zip()},
            MemorySize=1769,
            Timeout=30,
            SnapStart={"ApplyOn": "PublishedVersions" if snap else "None"},
        )

    raw = RawInvoker(nubis_server.HOST, srv.port)
    scratch = []
    for i in range(samples):
        create(f"scratch-{i}", False)
        time.sleep(0.3)
        t0 = time.perf_counter()
        raw.invoke(f"scratch-{i}")
        scratch.append((time.perf_counter() - t0) * 1000)
    create("snap", True)
    client.publish_version(FunctionName="snap")
    time.sleep(3.0)  # the snapshot's init (import boto3) runs after the publish
    restored, on_demand = [], []
    second = RawInvoker(nubis_server.HOST, srv.port)
    for i in range(samples):
        # Every warm environment busy (each restored one became warm), so the measured
        # invocations are cold starts: two at once, one takes the copy restored ahead,
        # the other is forked from the snapshot on demand.
        holders = [RawInvoker(nubis_server.HOST, srv.port) for _ in range(2 * i)]
        busy = [
            threading.Thread(target=h.invoke, args=("snap:1", b'{"hold": 0.8}')) for h in holders
        ]
        for thread in busy:
            thread.start()
        time.sleep(0.3)
        pair: list[float] = []
        measured = [
            threading.Thread(target=_timed_hold, args=(inv, "snap:1", pair))
            for inv in (raw, second)
        ]
        for thread in measured:
            thread.start()
        for thread in measured + busy:
            thread.join()
        restored.append(min(pair))
        on_demand.append(max(pair))
        for h in holders:
            h.close()
        time.sleep(0.5)  # the next copy restored ahead
    second.close()
    raw.close()
    create("burst", True)
    client.publish_version(FunctionName="burst")
    time.sleep(3.0)
    burst: list[float] = []
    invokers = [RawInvoker(nubis_server.HOST, srv.port) for _ in range(samples)]
    gate = threading.Barrier(samples)

    def one(invoker: RawInvoker) -> None:
        gate.wait()
        t0 = time.perf_counter()
        invoker.invoke("burst:1")
        burst.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=one, args=(inv,)) for inv in invokers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for inv in invokers:
        inv.close()
    return {
        "scratch": Stats.of(scratch),
        "restored": Stats.of(restored),
        "on_demand": Stats.of(on_demand),
        "burst": Stats.of(burst),
    }


def machine_speed() -> str:
    """What process creation costs on this machine today (VMs differ a lot from day to
    day): a fork + exit + wait of this (Python) process and a fresh `python3 -S -c pass`."""
    import subprocess

    forks = []
    for _ in range(50):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        forks.append((time.perf_counter() - t0) * 1000)
    starts = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        starts.append((time.perf_counter() - t0) * 1000)
    return (
        f"fork + exit + wait of the benchmark's Python process p50 {Stats.of(forks).p50:.2f} ms; "
        f"`python -S -c pass` p50 {Stats.of(starts).p50:.1f} ms"
    )


def mem_available_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    raise RuntimeError("no MemAvailable")


def measure(isolation: str, cold: int, warm: int, idle: int, snap: int = 0) -> dict[str, object]:
    log = Path(f"/tmp/nubis-bench-isolation-{isolation}.log")
    with Server(log, isolation) as srv:
        assert srv._proc is not None
        names = [f"hello-{i}" for i in range(max(cold, idle))]
        for name in names:
            srv.create_function(name)
        # 1 vCPU: warm latency without the 128 MB function's CPU quota in the way.
        srv.client.create_function(
            FunctionName="hello-1769",
            Runtime="python3.11",
            Role=nubis_server.ROLE,
            Handler="handler.hello",
            Code={"ZipFile": nubis_server.hello_zip()},
            MemorySize=1769,
        )
        time.sleep(1.0)  # zygotes, blanks and pools ready
        raw = RawInvoker(nubis_server.HOST, srv.port)
        before_kb = mem_available_kb()
        before_tree, _ = footprint(srv._proc.pid)
        cold_ms = []
        for name in names:
            t0 = time.perf_counter()
            raw.invoke(name)
            cold_ms.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.1)
        time.sleep(1.0)
        after_kb = mem_available_kb()
        after_tree, _ = footprint(srv._proc.pid)
        warm_ms: dict[str, list[float]] = {}
        for name in (names[0], "hello-1769"):
            for _ in range(50):
                raw.invoke(name)
            samples = warm_ms[name] = []
            for _ in range(warm):
                t0 = time.perf_counter()
                raw.invoke(name)
                samples.append((time.perf_counter() - t0) * 1000)
        raw.close()
        snapstart = measure_snapstart(srv, snap) if snap else {}
    n = len(names)
    return {
        **snapstart,
        "cold": Stats.of(cold_ms[:cold]),
        "warm": Stats.of(warm_ms[names[0]]),
        "warm_1769": Stats.of(warm_ms["hello-1769"]),
        "idle_n": n,
        "avail_per_env_mb": (before_kb - after_kb) / n / 1024,
        "pss_per_env_mb": (after_tree["Pss"] - before_tree["Pss"]) / n / 1024,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cold", type=int, default=40)
    ap.add_argument("--warm", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=40)
    ap.add_argument("--snap", type=int, default=8, help="SnapStart cold starts measured")
    ap.add_argument("--output", default=str(ROOT / "docs" / "isolation-benchmarks.md"))
    args = ap.parse_args()
    speed = machine_speed()
    plain = measure("off", args.cold, args.warm, args.idle)
    isolated = measure("on", args.cold, args.warm, args.idle, args.snap)
    restored, scratch, burst = isolated["restored"], isolated["scratch"], isolated["burst"]
    on_demand = isolated["on_demand"]
    assert isinstance(on_demand, Stats)
    assert isinstance(restored, Stats)
    assert isinstance(scratch, Stats)
    assert isinstance(burst, Stats)

    def row(label: str, key: str, fmt: str = "{:.2f}") -> str:
        a, b = plain[key], isolated[key]
        return f"| {label} | {fmt.format(a)} | {fmt.format(b)} |"

    pc, ic = plain["cold"], isolated["cold"]
    pw, iw = plain["warm"], isolated["warm"]
    pb, ib = plain["warm_1769"], isolated["warm_1769"]
    assert isinstance(pb, Stats)
    assert isinstance(ib, Stats)
    assert isinstance(pc, Stats)
    assert isinstance(ic, Stats)
    assert isinstance(pw, Stats)
    assert isinstance(iw, Stats)

    def fits(result: dict[str, object]) -> int:
        # The larger of the two measures: MemAvailable is noisy on a shared machine, and
        # PSS misses what the kernel holds (namespaces, veth pairs, mounts, cgroups).
        per_env = max(float(str(result["avail_per_env_mb"])), float(str(result["pss_per_env_mb"])))
        return int(4096 / per_env) if per_env > 0 else 0

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    warm_delta = (ib.p50 - pb.p50) * 1000
    lines = [
        "# Isolation",
        "",
        "Generated by `bench/isolation.py`; do not edit by hand, run it again.",
        "",
        __doc__.split("\n\n", 2)[2].strip() if __doc__ else "",
        "",
        "## Machine and run",
        "",
        f"- CPU cores: {os.cpu_count()}; kernel {platform.release()}; Python "
        f"{platform.python_version()}; load average before: {os.getloadavg()[0]:.2f}",
        f"- command: `.venv/bin/python bench/isolation.py --cold {args.cold} --warm "
        f"{args.warm} --idle {args.idle} --snap {args.snap}`",
        f"- date: {now}",
        f"- process creation on this machine, measured first: {speed}",
        "",
        "## Results (hello function, python3.11, 128 MB; milliseconds end to end, HTTP)",
        "",
        "| measure | plain processes | **isolated** |",
        "| --- | --- | --- |",
        f"| cold start p50 | {pc.p50:.2f} | **{ic.p50:.2f}** (target ≤ 10) |",
        f"| cold start p90 / p99 | {pc.p90:.2f} / {pc.p99:.2f} | {ic.p90:.2f} / {ic.p99:.2f} |",
        f"| warm invoke p50, 1769 MB (1 vCPU) | {pb.p50:.3f} | **{ib.p50:.3f}** "
        f"({warm_delta:+.0f} µs; target ≤ +200 µs) |",
        f"| warm invoke p90 / p99, 1769 MB | {pb.p90:.3f} / {pb.p99:.3f} | "
        f"{ib.p90:.3f} / {ib.p99:.3f} |",
        f"| warm invoke p50, 128 MB | {pw.p50:.3f} | {iw.p50:.3f} |",
        f"| warm invoke p90 / p99, 128 MB | {pw.p90:.3f} / {pw.p99:.3f} | "
        f"{iw.p90:.3f} / {iw.p99:.3f} |",
        row("idle memory per environment, MemAvailable drop (MB)", "avail_per_env_mb"),
        row("idle memory per environment, PSS of the server tree (MB)", "pss_per_env_mb"),
        f"| idle environments that fit in 4 GB (by the larger measure) | {fits(plain)} | "
        f"**{fits(isolated)}** |",
        "",
        "## SnapStart (isolated; init imports boto3 and makes a client; 1769 MB)",
        "",
        "| measure | ms |",
        "| --- | --- |",
        f"| cold start without SnapStart (init from scratch), p50 ({scratch.n} samples) | "
        f"{scratch.p50:.1f} |",
        f"| **cold start of the SnapStart version, p50** ({restored.n} samples; target ≤ 15): "
        f"the copy restored ahead | **{restored.p50:.2f}** |",
        f"| the same, p90 / max | {restored.p90:.2f} / {max(restored.samples_ms):.2f} |",
        f"| cold start arriving together with it: a copy forked on demand, p50 / max | "
        f"{on_demand.p50:.2f} / {max(on_demand.samples_ms):.2f} |",
        f"| {burst.n} cold starts of the version at once, p50 / max | "
        f"{burst.p50:.2f} / {max(burst.samples_ms):.2f} |",
        "",
        "Each restored environment is a fork of the version's snapshot (an environment that",
        "ran init and waits), which makes its own namespaces through a user namespace and is",
        "then moved into its own cgroup and network by the host (see docs/isolation.md).",
        "",
        f"{isolated['idle_n']} idle environments were measured in each configuration.",
        "A 128 MB function gets 0.072 vCPU (1 vCPU at 1769 MB, as in Lambda): back-to-back",
        "warm invocations use up its CFS quota (1.45 ms of CPU per 20 ms) now and then, which",
        "is the isolated 128 MB p99; the isolation overhead is therefore compared at 1769 MB.",
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
