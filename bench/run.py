"""Run every benchmark in one go and write docs/benchmarks.md.

    .venv/bin/python bench/run.py [--quick] [--output PATH] [--no-nubis] [--no-peer]
                                  [--nubis-rev REV] [--wait-quiet SECONDS]

Measures, on this machine and in this one run, Nubis against its baselines:
1. cold start: first invocation of a freshly created function, vs a fresh python3 process
   per invocation and serverless-offline's cold invocations;
2. warm invoke latency, sequential, raw keep-alive HTTP and boto3;
3. throughput with wrk (bench/invoke.lua), plus fresh processes with 2 workers.
A section that cannot run is reported as not measured, with the reason; nothing is made up.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import baseline
import nubis_server
import peer
import report
import wrk
from measure import (
    EXPECTED_BODY,
    RawInvoker,
    Stats,
    cpu_busy_fraction,
    time_calls,
    wait_quiet,
)
from report import Table, ms

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"  # logs of the servers under test (gitignored)

TARGET_COLD_P50_MS = 15.0
TARGET_WARM_P50_MS = 0.5


@dataclass(frozen=True)
class Plan:
    cold_samples: int
    warm_samples: int
    warmup: int
    wrk_seconds: int
    fresh_seconds: float
    restarts: int  # serverless-offline starts, each timed on its first invocation


FULL = Plan(
    cold_samples=30, warm_samples=2000, warmup=100, wrk_seconds=10, fresh_seconds=5.0, restarts=5
)
QUICK = Plan(
    cold_samples=5, warm_samples=200, warmup=20, wrk_seconds=3, fresh_seconds=2.0, restarts=1
)


@dataclass
class Tables:
    cold: Table = field(
        default_factory=lambda: Table(
            "1. Cold start", ["system", "what is timed", "n", "p50", "p90", "min", "max"]
        )
    )
    warm: Table = field(
        default_factory=lambda: Table(
            "2. Warm invoke latency (sequential)",
            ["system", "client", "n", "p50", "p90", "p99", "mean"],
        )
    )
    tput: Table = field(
        default_factory=lambda: Table(
            "3. Throughput",
            ["system", "load", "invocations/s", "p50", "p90", "p99", "errors", "failed"],
        )
    )
    targets: Table = field(default_factory=lambda: Table("Targets", ["target", "measured", "met"]))
    # Key numbers for the targets table.
    key: dict[str, float] = field(default_factory=dict)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def section(name: str, table: Table) -> Iterator[None]:
    """Run one measurement; on failure, say so in the table's notes instead of crashing."""
    log(f"{name} ...")
    try:
        yield
    except Exception as exc:  # any failure becomes a reported problem
        traceback.print_exc()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        table.notes.append(f"**{name}: not measured** ({type(exc).__name__}: {first})")


def cold_row(system: str, what: str, s: Stats) -> list[str]:
    return [system, what, str(s.n), ms(s.p50), ms(s.p90), ms(s.samples_ms[0]),
            ms(s.samples_ms[-1])]  # fmt: skip


def warm_row(system: str, client: str, s: Stats) -> list[str]:
    return [system, client, str(s.n), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.mean)]


def wrk_row(system: str, r: wrk.WrkResult) -> list[str]:
    load = f"`wrk -t2 -c8 -d{round(r.seconds)}s`"
    return [system, load, f"{r.per_second:,.0f}", ms(r.p50_ms), ms(r.p90_ms), ms(r.p99_ms),
            str(r.errors), str(r.bad)]  # fmt: skip


def warm_raw(host: str, port: int, function: str, plan: Plan) -> Stats:
    inv = RawInvoker(host, port)
    try:
        body = json.loads(inv.invoke(function))
        if body != EXPECTED_BODY:
            raise RuntimeError(f"unexpected result {body!r}")
        for _ in range(plan.warmup):
            inv.invoke(function)
        return time_calls(lambda: inv.invoke(function), plan.warm_samples)
    finally:
        inv.close()


def warm_boto3(port: int, function: str, plan: Plan) -> Stats:
    client = nubis_server.lambda_client(port)

    def call() -> None:
        resp = client.invoke(FunctionName=function, Payload=b"{}")
        payload = resp["Payload"].read()
        if resp.get("FunctionError") or json.loads(payload) != EXPECTED_BODY:
            raise RuntimeError(f"boto3 invoke: {resp.get('FunctionError')} {payload[:200]!r}")

    for _ in range(plan.warmup):
        call()
    return time_calls(call, plan.warm_samples)


def measure_fresh(plan: Plan, t: Tables) -> None:
    label = "fresh `python3` process"
    with section("fresh process cold", t.cold):
        s = baseline.cold_stats(plan.cold_samples)
        t.cold.rows.append(cold_row(label, "spawn, import handler, call, result on stdout", s))
    with section("fresh process throughput", t.tput):
        lat, elapsed = baseline.throughput(plan.fresh_seconds, workers=2)
        t.tput.rows.append([label, f"2 workers, {elapsed:.0f} s", f"{lat.n / elapsed:,.0f}",
                            ms(lat.p50), ms(lat.p90), ms(lat.p99), "0", "0"])  # fmt: skip


# Lambda's default memory size, and the size that buys one full vCPU (Nubis, like Lambda,
# gives a function CPU in proportion to its memory: 128 MB is about 7% of one CPU).
MEMORY_SIZES = (128, 1769)


# Pause between cold-start samples in the paced variant: time for whatever Nubis prepares
# ahead of time in the background (pools of namespaces, disks, ...) to be refilled.
PACED_PAUSE_S = 0.5


def nubis_cold(
    srv: nubis_server.NubisServer, plan: Plan, memory_mb: int, pause_s: float = 0.0
) -> tuple[Stats, float]:
    """(cold-start samples, the first one that was left out) for new functions of memory_mb."""
    inv = RawInvoker(nubis_server.HOST, srv.port)
    try:
        samples = []
        for i in range(plan.cold_samples + 1):
            time.sleep(pause_s)
            name = f"cold-{memory_mb}-{pause_s:g}-{i}".replace(".", "_")
            srv.create_function(name, memory_mb)
            t0 = time.perf_counter()
            body = inv.invoke(name)
            samples.append((time.perf_counter() - t0) * 1000.0)
            if json.loads(body) != EXPECTED_BODY:
                raise RuntimeError(f"unexpected result {body!r}")
        return Stats.of(samples[1:]), samples[0]
    finally:
        inv.close()


def measure_nubis(plan: Plan, t: Tables, src: Path | None) -> None:
    srv = nubis_server.NubisServer(WORK / "nubis.log", src)
    with section("Nubis", t.cold), srv:
        log(f"nubis serve up on port {srv.port} after {srv.startup_s:.2f} s")
        host, port = nubis_server.HOST, srv.port
        for memory in MEMORY_SIZES:
            name = f"Nubis, {memory} MB"
            with section(f"{name}: cold start", t.cold):
                s, first = nubis_cold(srv, plan, memory)
                t.key[f"nubis_cold_p50_{memory}"] = s.p50
                what = "first invoke of a just-created function (raw HTTP)"
                t.cold.rows.append(cold_row(name, what, s))
                t.cold.notes.append(
                    f"{name}: the first of these cold starts (left out of the samples) took "
                    f"{ms(first)}."
                )
            if memory == MEMORY_SIZES[0]:
                with section(f"{name}: paced cold start", t.cold):
                    s, _ = nubis_cold(srv, plan, memory, PACED_PAUSE_S)
                    what = f"the same, {PACED_PAUSE_S:g} s after the previous one"
                    t.cold.rows.append(cold_row(name, what, s))
            function = f"hello-{memory}"
            srv.create_function(function, memory)
            with section(f"{name}: warm raw HTTP", t.warm):
                s = warm_raw(host, port, function, plan)
                t.key[f"nubis_warm_p50_{memory}"] = s.p50
                t.warm.rows.append(warm_row(name, "raw keep-alive `http.client`", s))
            with section(f"{name}: warm boto3", t.warm):
                s = warm_boto3(port, function, plan)
                t.warm.rows.append(warm_row(name, "boto3 `invoke`", s))
            with section(f"{name}: throughput", t.tput):
                wrk.run_wrk(host, port, function, 1)  # warm-up: lets it start its environments
                r = wrk.run_wrk(host, port, function, plan.wrk_seconds)
                t.key[f"nubis_rps_{memory}"] = r.per_second
                t.key[f"nubis_failed_{memory}"] = r.errors + r.bad
                t.tput.rows.insert(len(t.tput.rows) - 1, wrk_row(name, r))
    t.cold.notes.append(f"Nubis server: {srv.exit_note}; its log: `bench/.work/nubis.log`.")


def measure_peer(plan: Plan, t: Tables) -> None:
    name = "serverless-offline"
    with section("serverless-offline install", t.cold):
        version = peer.ensure_installed()
        log(f"serverless-offline {version} in {peer.INSTALL_DIR}")
    if peer.installed_version() is None:
        return
    with (
        section("serverless-offline cold (--reloadHandler)", t.cold),
        peer.ServerlessOffline(WORK / "peer-cold.log", every_invocation_cold=True) as cold_srv,
    ):
        inv = RawInvoker(peer.HOST, cold_srv.port)
        inv.invoke(peer.FUNCTION)  # first after start: measured on its own below
        s = time_calls(lambda: inv.invoke(peer.FUNCTION), plan.cold_samples)
        inv.close()
        t.cold.rows.append(
            cold_row(name, "`--reloadHandler`: every invoke spawns a new runner (raw HTTP)", s)
        )
    with section("serverless-offline first invocation after start", t.cold):
        firsts, starts = [], []
        for _ in range(plan.restarts):
            with peer.ServerlessOffline(WORK / "peer-first.log") as srv:
                starts.append(srv.startup_s)
                inv = RawInvoker(peer.HOST, srv.port)
                t0 = time.perf_counter()
                inv.invoke(peer.FUNCTION)
                firsts.append((time.perf_counter() - t0) * 1000.0)
                inv.close()
        what = "first invoke after `serverless offline start` (raw HTTP), one per start"
        t.cold.rows.append(cold_row(name, what, Stats.of(firsts)))
        t.cold.notes.append(
            f"serverless-offline took {min(starts):.1f}-{max(starts):.1f} s from launch until "
            "its Lambda port accepted connections."
        )
    with (
        section("serverless-offline warm server", t.warm),
        peer.ServerlessOffline(WORK / "peer.log") as srv,
    ):
        log(f"serverless-offline up on port {srv.port} after {srv.startup_s:.2f} s")
        with section("serverless-offline warm raw HTTP", t.warm):
            s = warm_raw(peer.HOST, srv.port, peer.FUNCTION, plan)
            t.warm.rows.append(warm_row(name, "raw keep-alive `http.client`", s))
        with section("serverless-offline warm boto3", t.warm):
            s = warm_boto3(srv.port, peer.FUNCTION, plan)
            t.warm.rows.append(warm_row(name, "boto3 `invoke`", s))
        with section("serverless-offline throughput", t.tput):
            wrk.run_wrk(peer.HOST, srv.port, peer.FUNCTION, 1)  # warm-up: starts its runners
            r = wrk.run_wrk(peer.HOST, srv.port, peer.FUNCTION, plan.wrk_seconds)
            t.key["peer_rps"] = r.per_second
            t.key["peer_failed"] = r.errors + r.bad
            t.tput.rows.insert(len(t.tput.rows) - 1, wrk_row(name, r))


def targets(t: Tables) -> None:
    def row(target: str, key: str, limit: float) -> None:
        if key not in t.key:
            t.targets.rows.append([target, "not measured", "—"])
            return
        v = t.key[key]
        t.targets.rows.append([target, ms(v), "yes" if v <= limit else "**no**"])

    for memory in MEMORY_SIZES:
        row(f"Nubis ({memory} MB) cold start p50 ≤ {TARGET_COLD_P50_MS:g} ms",
            f"nubis_cold_p50_{memory}", TARGET_COLD_P50_MS)  # fmt: skip
    for memory in MEMORY_SIZES:
        row(f"Nubis ({memory} MB) warm p50 ≤ {TARGET_WARM_P50_MS:g} ms (raw HTTP)",
            f"nubis_warm_p50_{memory}", TARGET_WARM_P50_MS)  # fmt: skip
    for memory in MEMORY_SIZES:
        goal = f"Nubis ({memory} MB) invocations/s > serverless-offline's (wrk -t2 -c8)"
        if f"nubis_rps_{memory}" not in t.key or "peer_rps" not in t.key:
            t.targets.rows.append([goal, "not measured", "—"])
            continue
        n, p = t.key[f"nubis_rps_{memory}"], t.key["peer_rps"]
        failed = t.key[f"nubis_failed_{memory}"] + t.key["peer_failed"]
        measured = f"{n:,.0f} vs {p:,.0f} ({n / p:.2f} times)"
        if failed:
            measured += f", but {failed:.0f} invocations failed or errored"
        met = "yes" if n > p and not failed else "**no**"
        t.targets.rows.append([goal, measured, met])


METHOD = """
Nubis is compared with two baselines measured in the same run on the same machine:
a fresh `python3` process per invocation (the cost any process-per-cold-start design pays)
and [serverless-offline](../bench/peer/serverless.yml) 13.9.0 with serverless 3, running the
same hello-world Python handler (`handler.hello` returns `{"ok": true}`).
The fresh-process baseline and serverless-offline's runner use the same Python binary (the
interpreter behind `.venv`, not a pyenv shim). Clients, servers and wrk all share the 2 cores.

- Nubis runs every measurement twice: with functions of 128 MB (Lambda's default, which
  like on Lambda gets 128/1769 of one CPU, enforced by a CPU quota where Nubis can use
  cgroups) and of 1769 MB (one full vCPU). serverless-offline and the fresh process have no
  limits.
- Cold start: Nubis creates a new function with boto3 (not timed), waits until it is
  Active, then at once times its first invoke over an already-open keep-alive connection,
  function after function (a burst of new functions); the first of these is left out of
  the samples and reported in a note. A paced variant waits 0.5 s before each creation, so
  that whatever is prepared ahead of time in the background is there again.
  serverless-offline is timed with `--reloadHandler`, its option that starts a
  new Python runner for every invocation (one warm-up invoke left out), and as the first
  invocation after `serverless offline start`, over several starts. Its runner is
  `/bin/sh -c "python3 -u invoke.py handler hello"`, whose start-up also runs `tty` in a
  subprocess; its first invocation after a start also pays for node's first use of that path.
- Warm: after a warm-up, sequential invocations of one function through
  `POST /2015-03-31/functions/<name>/invocations` with body `{}`.
- Throughput: `wrk -t2 -c8` with `bench/invoke.lua`, after an unmeasured 1 s run that lets
  each system start the environments it needs for 8 connections. "errors" are wrk's
  connect, read, write, timeout and non-2xx counts; "failed" are answers that are not the
  handler's result (a function error, for instance): invocations/s counts every answer,
  so a row with failures does not measure the hello function. The fresh-process row runs
  2 threads that each spawn processes back to back.
"""


def git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return out.stdout.strip()


def working_tree_state() -> str:
    dirty = git("status", "--porcelain", "--", "src")
    head = git("rev-parse", "--short", "HEAD")
    return f"working tree at {head}" + (" with uncommitted changes in src/" if dirty else "")


def export_revision(rev: str) -> tuple[Path, str]:
    """`git archive` of src/ at `rev` into bench/.work; (the dir holding `nubis`, short sha)."""
    sha = git("rev-parse", "--short", f"{rev}^{{commit}}")
    if not sha:
        raise SystemExit(f"unknown revision {rev!r}")
    dest = WORK / f"nubis-{sha}"
    if not (dest / "src" / "nubis").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", sha, "src"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "src", sha


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few samples, wrk -d3s (< 1 minute)")
    ap.add_argument("--output", type=Path, help="default: docs/benchmarks.md "
                    "(bench/.work/benchmarks-quick.md with --quick)")  # fmt: skip
    ap.add_argument("--no-nubis", action="store_true", help="skip Nubis")
    ap.add_argument("--no-peer", action="store_true", help="skip serverless-offline")
    ap.add_argument("--nubis-rev", metavar="REV", help="run Nubis as committed at REV (e.g. "
                    "HEAD), exported with git archive, instead of the working tree")  # fmt: skip
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait up to SECONDS for 3 s in a row with the CPUs < 10%% busy",
    )
    args = ap.parse_args(argv)
    plan = QUICK if args.quick else FULL
    default = WORK / "benchmarks-quick.md" if args.quick else ROOT / "docs" / "benchmarks.md"
    out: Path = args.output or default

    if args.wait_quiet > 0:
        log(f"waiting up to {args.wait_quiet:.0f} s for the machine to be quiet ...")
        log(f"waited {wait_quiet(args.wait_quiet):.0f} s")
    started = time.monotonic()
    busy_before = cpu_busy_fraction()
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        log(f"warning: load average {load_before:.2f}: other work on this machine skews results")
    WORK.mkdir(exist_ok=True)
    t = Tables()
    if wrk.wrk_path() is None:
        log(wrk.MISSING)
        t.tput.notes.append(f"**wrk missing**: {wrk.MISSING}.")
    src: Path | None = None
    nubis_state = working_tree_state()
    if args.nubis_rev:
        src, sha = export_revision(args.nubis_rev)
        nubis_state = f"commit {sha} (`--nubis-rev {args.nubis_rev}`, exported with git archive)"
    measure_fresh(plan, t)
    if not args.no_nubis:
        measure_nubis(plan, t, src)
    if not args.no_peer:
        measure_peer(plan, t)
    targets(t)

    exe = Path(sys.executable)
    py = exe.relative_to(ROOT) if exe.is_relative_to(ROOT) else exe
    command = " ".join([str(py), "bench/run.py", *(argv if argv is not None else sys.argv[1:])])
    facts = [
        *report.machine(),
        f"Nubis: {nubis_state}",
        f"node {report.tool_version(['node', '--version'])}, serverless-offline "
        f"{peer.installed_version() or 'not installed'}, "
        f"{report.tool_version(['wrk', '-v']).split(' Copyright')[0]}",
        f"run took {time.monotonic() - started:.0f} s; CPUs busy in the second before it: "
        f"{busy_before:.0%}; 1-minute load average before / after: {load_before:.2f} / "
        f"{os.getloadavg()[0]:.2f} (the run itself adds about 1-2)",
    ]
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tables = [t.targets, t.cold, t.warm, t.tput]
    text = report.document(command=command, date=date, facts=facts, tables=tables,
                           preamble=METHOD)  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    log(f"wrote {out}")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
