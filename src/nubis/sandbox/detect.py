"""What the kernel and our privileges allow, and the sandbox to use because of it.

`probe()` checks each protection the Linux sandbox needs (cheaply: one short child
process tries the namespaces); `choose()` returns a `LinuxSandbox` when all the required
ones are there and the `ProcessSandbox` fallback otherwise, with the reason. `nubis
doctor` prints the probe; `nubis serve` logs the choice (loudly for the fallback).
"""

from __future__ import annotations

import ctypes.util
import dataclasses
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nubis.sandbox.base import Sandbox
from nubis.sandbox.process import ProcessSandbox

log = logging.getLogger(__name__)

_NS_PROBE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
flags = 0x00020000 | 0x04000000 | 0x08000000 | 0x20000000 | 0x40000000
sys.exit(0 if libc.unshare(flags) == 0 else ctypes.get_errno())
"""


# What a SnapStart copy does (confine.detach): as an unprivileged user, a new user
# namespace together with mount, network and PID namespaces.
_USERNS_PROBE = """
import ctypes, os, sys
if os.geteuid() == 0:
    os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
libc = ctypes.CDLL(None, use_errno=True)
flags = 0x10000000 | 0x00020000 | 0x40000000 | 0x20000000
sys.exit(0 if libc.unshare(flags) == 0 else ctypes.get_errno())
"""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True  # without it the Linux sandbox is not used at all


def _namespaces() -> Check:
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _NS_PROBE], timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("namespaces", False, f"probe failed: {e}")
    if done.returncode == 0:
        return Check("namespaces", True, "mount, PID, IPC, UTS and network")
    return Check("namespaces", False, f"unshare failed: {os.strerror(done.returncode)}")


def _user_namespaces() -> Check:
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _USERNS_PROBE], timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("snapstart", False, f"probe failed: {e}", required=False)
    if done.returncode == 0:
        return Check(
            "snapstart",
            True,
            "restored environments fork from their version's snapshot into user namespaces",
            required=False,
        )
    return Check(
        "snapstart",
        False,
        f"unprivileged user namespaces refused ({os.strerror(done.returncode)}): cold starts "
        "of SnapStart versions run init as usual",
        required=False,
    )


def _cgroups() -> Check:
    from nubis.sandbox.cgroups import CgroupV1, mounts

    types = {t for _, _, t, _ in mounts()}
    if "cgroup2" in types:
        point = next(p for p, _, t, _ in mounts() if t == "cgroup2")
        controllers = set(Path(point, "cgroup.controllers").read_text().split())
        if {"memory", "cpu", "pids"} <= controllers:
            return Check("cgroups", True, f"v2 at {point} (memory, cpu, pids, freeze)")
    have = set()
    for _, _, t, options in mounts():
        if t == "cgroup":
            have |= set(options.split(",")) & set(CgroupV1.CONTROLLERS)
    if have == set(CgroupV1.CONTROLLERS):
        return Check("cgroups", True, "v1 (memory, cpu, pids, freezer)")
    missing = sorted(set(CgroupV1.CONTROLLERS) - have)
    return Check(
        "cgroups",
        False,
        f"no cgroup v2 controllers; v1 lacks {', '.join(missing)}; fix: mount them "
        "(systemd does at boot; in a container: --privileged --cgroupns=host)",
    )


def _apt(*packages: str) -> str:
    return f"fix: apt-get install -y {' '.join(packages)}"


# What each tool is for, and the Debian package that has it.
_TOOLS = {"mkfs.ext4": "e2fsprogs", "mount": "mount"}


def _tmp_disks() -> Check:
    missing = [t for t in _TOOLS if shutil.which(t) is None]
    fixes = [_apt(*(_TOOLS[t] for t in missing))] if missing else []
    if not Path("/dev/loop-control").exists():
        missing.append("/dev/loop-control (loop devices)")
        fixes.append("fix: modprobe loop")
    if not missing:
        return Check("tmp disks", True, "ext4 images on loop devices")
    return Check("tmp disks", False, f"missing: {', '.join(missing)}; {'; '.join(fixes)}")


def _network() -> Check:
    """A bridge and veths (rtnetlink, pyroute2) and NAT and filter rules (nf_tables,
    programmed through netlink: the `nft` command is not needed)."""
    try:
        import pyroute2  # noqa: F401
    except ImportError:
        return Check(
            "network",
            False,
            "pyroute2 missing: environments get loopback only; fix: pip install pyroute2",
            required=False,
        )
    from nubis.sandbox.nftnl import NfTables

    try:
        with NfTables() as nft:
            nft.tables()
    except OSError as e:
        return Check(
            "network",
            False,
            f"the kernel's nf_tables is not usable ({e.strerror}): environments get "
            "loopback only; fix: modprobe nf_tables (a kernel with CONFIG_NF_TABLES)",
            required=False,
        )
    return Check(
        "network",
        True,
        "bridge + veth, NAT and filter rules (netlink; no nft binary needed)",
        required=False,
    )


def _seccomp() -> Check:
    if ctypes.util.find_library("seccomp") is None:
        return Check(
            "seccomp",
            False,
            f"libseccomp not found: no syscall filter; {_apt('libseccomp2')}",
            required=False,
        )
    return Check(
        "seccomp",
        True,
        "libseccomp: mounts, namespaces, ptrace, modules, bpf, keyring, io_uring, "
        "perf_event_open and other kernel interfaces refused (docs/isolation.md)",
        required=False,
    )


def probe() -> list[Check]:
    root = os.geteuid() == 0
    checks = [Check("root", root, "running as root" if root else f"uid {os.geteuid()}")]
    if sys.platform != "linux":
        checks.append(Check("linux", False, sys.platform))
        return checks
    checks.append(_namespaces() if root else Check("namespaces", False, "needs root"))
    checks.append(_cgroups())
    checks.append(_tmp_disks())
    checks.append(_network() if root else Check("network", False, "needs root", False))
    if root:
        checks.append(_user_namespaces())
    checks.append(_seccomp())
    return checks


def choose(
    mode: str,
    run_dir: Path | None = None,
    disk_dir: Path | None = None,
    api_port: int | None = None,
) -> Sandbox:
    """`mode`: "auto" (the Linux sandbox where possible), "on" (it or fail), "off"."""
    if mode == "off":
        return ProcessSandbox()
    checks = probe()
    missing = [c for c in checks if c.required and not c.ok]
    if missing:
        reason = "; ".join(f"{c.name}: {c.detail}" for c in missing)
        if mode == "on":
            raise RuntimeError(f"isolation was required but is unavailable: {reason}")
        log.warning("!!! isolation unavailable (%s): environments are NOT isolated", reason)
        return ProcessSandbox()
    from nubis.sandbox.linux import LinuxSandbox, LinuxSandboxSettings

    network = next(c.ok for c in checks if c.name == "network")
    settings = LinuxSandboxSettings(network=network, api_port=api_port)
    if run_dir is not None:
        settings = dataclasses.replace(settings, run_dir=run_dir)
    if disk_dir is not None:
        settings = dataclasses.replace(settings, disk_dir=disk_dir)
    return LinuxSandbox(settings)
