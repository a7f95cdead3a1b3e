"""Restart after `kill -9`: how long until the API answers, and until what the killed
server left (frozen environments, their cgroups) is gone. Writes its section of
docs/isolation-benchmarks.md ("## Restart after kill -9"), leaving the rest as it is.

    .venv/bin/python bench/restart.py [--envs 0,5,50] [--output PATH]

Method, per count N: `nubis serve --isolation on` in a temporary data directory; N hello
functions (128 MB), each invoked once, so N warm environments; 0.5 s later they are
frozen (idle). The server is killed with SIGKILL (its zygotes and environments are not
signalled), and a new server is started on the same data directory. Measured from the
new server's spawn: the seconds until its port accepts, until ListFunctions answers,
and until no cgroup of the killed instance remains and every process of it is gone
(polled every 10 ms). Run as root, on a host where the sandbox works.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import signal
import sys
import time
from pathlib import Path

import nubis_server
from measure import RawInvoker

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Restart after kill -9"
_SWEEP_LIMIT_S = 120.0


class Server(nubis_server.NubisServer):
    @property
    def argv(self) -> list[str]:
        return [*super().argv, "--isolation", "on", "--idle-timeout", "600"]


def _walk(root: str) -> list[Path]:
    """Directories under root; ones removed while walked (other servers' groups) skipped."""
    return [Path(d) / n for d, dirs, _ in os.walk(root) for n in dirs]


def cgroup_dirs(instance: str) -> list[Path]:
    """Every cgroup directory named after the instance, in every hierarchy."""
    found: list[Path] = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        fstype = line.partition(" - ")[2].split()[0]
        if fstype in ("cgroup", "cgroup2"):
            found += [p for p in _walk(point) if p.name == f"nubis-{instance}"]
    return found


def instances() -> set[str]:
    """Instance ids that have a cgroup in the freezer (v1) or unified (v2) hierarchy."""
    root = "/sys/fs/cgroup/freezer" if os.path.isdir("/sys/fs/cgroup/freezer") else "/sys/fs/cgroup"
    return {p.name[6:] for p in _walk(root) if p.name.startswith("nubis-") and len(p.name) == 10}


def processes(groups: list[Path]) -> set[int]:
    pids: set[int] = set()
    for group in groups:
        for sub in [group, *_walk(str(group))]:
            try:
                pids |= {int(p) for p in (sub / "cgroup.procs").read_text().split()}
            except OSError:
                continue
    return pids


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def measure(n: int, log_dir: Path) -> dict[str, float | int]:
    before = instances()
    first = Server(log_dir / f"restart-{n}-first.log").start()
    try:
        for i in range(n):
            first.create_function(f"f{i}")
        invoker = RawInvoker(nubis_server.HOST, first.port)
        for i in range(n):
            invoker.invoke(f"f{i}")
        invoker.close()
        time.sleep(0.5)  # idle: frozen
        (instance,) = instances() - before
        groups = cgroup_dirs(instance)
        pids = processes(groups)
        assert first._proc is not None
        first._proc.send_signal(signal.SIGKILL)
        first._proc.wait()
        first._proc = None  # not stopped: killed; its data dir is the second's
        second = Server(log_dir / f"restart-{n}-second.log")
        second.data_dir = first.data_dir
        t0 = time.monotonic()
        second.start()
        try:
            port_s = time.monotonic() - t0
            second.client.list_functions()
            api_s = time.monotonic() - t0
            while cgroup_dirs(instance) or any(alive(p) for p in pids):
                if time.monotonic() - t0 > _SWEEP_LIMIT_S:
                    break
                time.sleep(0.01)
            swept_s = time.monotonic() - t0
            left = len(cgroup_dirs(instance))
            survivors = sum(alive(p) for p in pids)
        finally:
            second.stop()
    finally:
        first.stop()
    return {
        "clean_s": first.startup_s,
        "envs": n,
        "processes": len(pids),
        "port_s": port_s,
        "api_s": api_s,
        "swept_s": swept_s,
        "left": left,
        "survivors": survivors,
    }


def write_section(path: Path, body: list[str]) -> None:
    """Replace this benchmark's section of the page (or append it); keep the rest."""
    text = path.read_text() if path.exists() else "# Isolation\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + "\n".join(body)
    else:
        end = text.find("\n## ", start + len(SECTION))
        rest = text[end + 1 :] if end >= 0 else ""
        text = text[:start] + "\n".join(body) + ("\n" + rest if rest else "")
    path.write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--envs", default="0,5,50")
    ap.add_argument("--output", default=str(ROOT / "docs" / "isolation-benchmarks.md"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("run as root: the sandbox needs it", file=sys.stderr)
        return 2
    log_dir = Path("/tmp/nubis-bench-restart")
    load = os.getloadavg()[0]
    rows = []
    for n in (int(x) for x in args.envs.split(",")):
        row = measure(n, log_dir)
        print(row, flush=True)
        rows.append(row)
    lines = [
        SECTION,
        "",
        "Generated by `bench/restart.py` (its docstring has the method):",
        f"`.venv/bin/python bench/restart.py --envs {args.envs}`,",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, kernel {platform.release()},",
        f"{os.cpu_count()} cores, load average before {load:.2f}.",
        "",
        "Times in seconds from the spawn of the restarted server; *clean start* is the same",
        "run's first server starting with nothing to sweep (the reference).",
        "",
        "| frozen environments (processes) | clean start: port | after kill -9: port "
        "| API answers | killed instance swept | cgroups left | processes left |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['envs']} ({r['processes']}) | {r['clean_s']:.2f} | {r['port_s']:.2f} "
            f"| **{r['api_s']:.2f}** | {r['swept_s']:.2f} | {r['left']} | {r['survivors']} |"
        )
    lines.append("")
    write_section(Path(args.output), lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
