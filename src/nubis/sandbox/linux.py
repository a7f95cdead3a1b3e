"""LinuxSandbox: namespaces, cgroups, a private root, /tmp disks and a network per environment.

The host side of the sandbox (see `base.py` for the contract). It prepares, ahead of time
and off the event loop, what each environment needs (a mounted /tmp disk, a network
namespace with the Runtime API socket inside), and on `prepare` only creates the cgroup
and writes the plan that `confine.py` applies in the forked child.

Everything it creates is named after the instance (`<inst>`: 4 hex digits, random per
server) and removed by `close()`. The instance is alive while it holds its lock file
`/run/nubis-instances/<inst>.lock` (whatever its run_dir: `instances.py` has the rules);
what instances that died without `close()` left is removed at start, in a thread that
the API does not wait for (`sweep.py`), of each dead instance only what is named after it:

    cgroups      <controller>/<server's cgroup>/nubis-<inst>/<env id>
    mounts       <run_dir>/<inst>/tmp/nubis-<n>   (loop-mounted ext4 images)
    images       <disk_dir>/<inst>/nubis-<n>.img
    interfaces   nb<inst> (bridge), nb<inst><n> (veth host sides)
    nftables     tables `ip nubis-<inst>`, `bridge nubis-<inst>`
    processes    whatever is still in those cgroups (killed with them, frozen or not)

Network namespaces are held by file descriptors only: they have no name to leak.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from nubis.sandbox import disks as disk_pool
from nubis.sandbox import network, sweep
from nubis.sandbox.base import EnvironmentLimits, Prepared, Reservation
from nubis.sandbox.cgroups import Cgroups, instance_groups, open_cgroups
from nubis.sandbox.instances import LOCK_DIR, Instance, find_dead
from nubis.sandbox.oom import OomWatch
from nubis.sandbox.paths import ISOLATED, Layout
from nubis.sandbox.plans import NOFILE, Plans

log = logging.getLogger(__name__)

PIDS = 1024  # Lambda's limit
MB_PER_VCPU = 1769
SANDBOX_UID = 993  # Lambda's sbx_user1051 is unprivileged too; any uid without a home
LAYOUT = ISOLATED  # every path inside (the code at /var/task, ...) comes from it
_OPEN_TREE = 428  # the same number on every architecture (the new mount API)
_OPEN_TREE_CLONE = 1
_OPEN_TREE_CLOEXEC = os.O_CLOEXEC
_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.syscall.restype = ctypes.c_long


@dataclass(frozen=True)
class LinuxSandboxSettings:
    run_dir: Path = Path("/run/nubis")  # mount points, the root mount point
    lock_dir: Path = LOCK_DIR  # host-wide: every instance's lock, whatever its run_dir
    disk_dir: Path = Path("/var/lib/nubis")  # /tmp images (sparse)
    uid: int = SANDBOX_UID
    network: bool = True  # a bridge with NAT; False: loopback only
    subnet: str | None = None  # default: a free /20 of 10.213.0.0/16
    api_port: int | None = None  # the Nubis API port, reachable inside at nubis-host
    ro_binds: tuple[tuple[str, str], ...] = ()  # (host path, path inside), e.g. an SDK
    keep_ready: int = 3
    seccomp: bool = True  # where libseccomp is installed


@dataclass
class _Env:
    name: str  # of its cgroup: the env id, or the token of the blank it was
    cgroup: bool = False
    disk: disk_pool.Disk | None = None
    net: network.NetSlot | None = None
    paused: bool = False
    cpus: float = 0.0  # its share once initialised (init runs with the whole host)
    peak_fd: int | None = None  # kept open: pread per REPORT line, not open+read+close
    share: float = 0.0  # its configured CPU share (vCPUs)
    bound: frozenset[str] = frozenset()  # paths inside that a blank bound ahead of time
    extra: dict[str, str] = field(default_factory=dict)
    memory_mb: int = 0  # SnapStart copies: for the cgroup made when they are adopted
    fds: list[int] = field(default_factory=list)  # handed out in a Prepared; closed at release


class LinuxSandbox:
    def __init__(self, settings: LinuxSandboxSettings | None = None) -> None:
        self._settings = s = settings or LinuxSandboxSettings()
        s.run_dir.mkdir(parents=True, exist_ok=True)
        self._instance = Instance(self._taken, s.lock_dir)
        self.instance = self._instance.id
        self._envs: dict[str, _Env] = {}
        self._closed = False
        self._oom: OomWatch | None = None
        self._cgroups: Cgroups | None = None
        self._disks: disk_pool.TmpDisks | None = None
        self._net: network.NetPool | None = None
        self.swept: list[str] = []
        self._sweeper = self._sweep_dead()
        try:
            self._cgroups = open_cgroups(self.instance)
            self._oom = OomWatch(self._cgroups, float(os.cpu_count() or 1))
            base = s.run_dir / self.instance
            self._instance.record(
                run_dir=str(base),
                disk_dir=str(s.disk_dir / self.instance),
                cgroups=self._cgroups.path_of_parents(),
            )
            self._root = base / "root"
            self._root.mkdir(parents=True, exist_ok=True)
            self._hosts = base / "hosts"
            self._disks = disk_pool.TmpDisks(
                base / "tmp", s.disk_dir / self.instance, s.uid, s.uid, s.keep_ready
            )
            self._disks.want(512)
            bridge = None
            if s.network:
                bridge = network.Bridge(self.instance, s.subnet or _free_subnet(), s.api_port)
            self.gateway: str | None = bridge.gateway if bridge is not None else None
            self._hosts.write_text(
                "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
                + (f"{self.gateway}\t{network.HOST_ALIAS}\n" if self.gateway else "")
            )
            self._net = network.NetPool(self.instance, bridge, s.keep_ready)
        except BaseException:
            self.close()
            raise
        self._cpus = os.cpu_count() or 1
        self._seccomp = s.seccomp and _has_libseccomp()
        self._plans = Plans(self._root, self._hosts, s.uid, self._seccomp, s.ro_binds, LAYOUT)

    def _sweep_dead(self) -> threading.Thread:
        """Remove what dead instances left. Deciding who is dead is quick (a flock per
        lock file); killing their frozen environments and removing their things is not:
        a thread, waited for by close()."""
        s = self._settings
        dead = find_dead([s.lock_dir, s.run_dir], exclude=self.instance)
        sweeper = threading.Thread(
            target=lambda: self.swept.extend(sweep.sweep(dead, s.run_dir, s.disk_dir)),
            name="nubis-sweep",
            daemon=True,
        )
        sweeper.start()
        return sweeper

    # --- instance ownership

    def _taken(self, instance: str) -> bool:
        """Something is named after `instance` already (an unknown server's, or one that
        died before its lock file existed): do not take that id."""
        s = self._settings
        return (
            (s.run_dir / instance).exists()
            or (s.disk_dir / instance).exists()
            or (s.run_dir / f"{instance}.lock").exists()  # servers before the lock dir
            or Path(f"/sys/class/net/nb{instance}").exists()
            or bool(instance_groups(instance))
        )

    def wait_swept(self, timeout: float | None = None) -> bool:
        """Wait until the start-up sweep is over; True if it is."""
        self._sweeper.join(timeout)
        return not self._sweeper.is_alive()

    # --- the Sandbox protocol

    @property
    def isolated(self) -> bool:
        return True

    @property
    def layout(self) -> Layout:
        return LAYOUT

    @property
    def announcement(self) -> tuple[int, str]:
        return logging.INFO, f"sandbox: {self.describe()}"

    @property
    def read_only_code(self) -> bool:
        return True  # /var/task is a read-only bind (or overlay)

    def describe(self) -> str:
        version = self._cgroups.version if self._cgroups else "?"
        net = f"bridge nb{self.instance} with NAT" if self.gateway else "loopback only"
        return (
            "isolated: mount, PID, IPC, UTS and network namespaces; pivot_root into a "
            f"read-only root; cgroup v{version} (memory, CPU, pids {PIDS}, freezer); "
            f"ext4 /tmp disks; uid {self._settings.uid}, no capabilities, no_new_privs; "
            f"RLIMIT_NOFILE {NOFILE}; seccomp {'on' if self._seccomp else 'off'}; "
            f"network: {net}"
        )

    async def prepare(
        self,
        env_id: str,
        limits: EnvironmentLimits,
        reservation: Reservation | None = None,
    ) -> Prepared:
        assert self._cgroups is not None
        assert self._net is not None
        if self._closed:
            raise OSError("the sandbox is closed")
        cpus = float(self._cpus)  # during init; its own share from `initialized` on
        procs = None
        if reservation is not None:
            # A blank: its cgroup and network exist and it is in them; only limits change.
            env = self._envs.pop(reservation.token)
            self._envs[env_id] = env
            self._cgroups.set_limits(env.name, limits.memory_mb, cpus)
        else:
            env = self._envs[env_id] = _Env(env_id)
            procs = self._cgroups.create(env_id, limits.memory_mb, cpus, PIDS)
            env.cgroup = True
            self._watch_oom(env)
            env.net = self._net.take()
            if env.net is None:
                env.net = await asyncio.to_thread(self._net.make)
        env.cpus = env.share = self._cpus_for(limits.memory_mb)
        env.disk = await self._take_disk(env_id, env, limits.ephemeral_mb)
        assert env.net is not None
        plan = self._plans.environment(limits, str(env.disk.mount_point), procs, env.bound)
        fds = [] if procs is None else [env.net.netns_fd]
        return Prepared(plan, fds, env.net.api_socket, self._inside_env())

    async def _take_disk(self, env_id: str, env: _Env, size_mb: int) -> disk_pool.Disk:
        """A /tmp disk for `env`, made now if none is ready; OSError if the environment
        was released meanwhile (the disk is freed with it)."""
        assert self._disks is not None
        disk = self._disks.take(size_mb)
        if disk is None:
            disk = await asyncio.to_thread(self._disks.make, size_mb)
        if env_id not in self._envs:
            env.disk = disk
            self._free(env)
            raise OSError("the environment was released while it was prepared")
        return disk

    def _inside_env(self) -> dict[str, str]:
        assert LAYOUT.task_root is not None
        assert LAYOUT.runtime_root is not None
        inside_env = {
            "LAMBDA_TASK_ROOT": LAYOUT.task_root,
            "LAMBDA_RUNTIME_DIR": LAYOUT.runtime_root,
        }
        api_port = self._settings.api_port
        if self.gateway and api_port:
            inside_env["AWS_ENDPOINT_URL"] = f"http://{network.HOST_ALIAS}:{api_port}"
        return inside_env

    async def prepare_restore(self, env_id: str, limits: EnvironmentLimits) -> Prepared:
        """A /tmp disk of its own, sent as a detached mount (open_tree) that the copy moves
        onto its /tmp; the copy's uid and gid stay those of the snapshot."""
        if self._closed:
            raise OSError("the sandbox is closed")
        env = self._envs[env_id] = _Env(env_id, memory_mb=limits.memory_mb)
        env.disk = await self._take_disk(env_id, env, limits.ephemeral_mb)
        path = str(env.disk.mount_point).encode()
        tree = _LIBC.syscall(_OPEN_TREE, -100, path, _OPEN_TREE_CLONE | _OPEN_TREE_CLOEXEC)
        if tree < 0:
            raise OSError(f"open_tree of a /tmp disk failed (kernel {os.uname().release})")
        env.fds.append(tree)
        plan = self._plans.restore()
        return Prepared(plan, [tree])

    async def adopt(self, env_id: str, pid: int) -> Prepared:
        """Its cgroup (entered from here: ≈ an RCU grace period) and, at the same time, its
        network namespace's Runtime API socket and interface."""
        assert self._cgroups is not None
        assert self._net is not None
        env = self._envs.get(env_id)
        if env is None or self._closed:
            raise OSError("the environment was released while it was adopted")
        netns = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            procs = self._cgroups.create(env_id, env.memory_mb, float(self._cpus), PIDS)
            env.cgroup = True
            self._watch_oom(env)
            env.cpus = env.share = self._cpus_for(env.memory_mb)

            def enter() -> None:
                for path in procs:
                    with open(path, "w") as f:
                        f.write(str(pid))

            entered, net = await asyncio.gather(
                asyncio.to_thread(enter),
                asyncio.to_thread(self._net.make, netns),
                return_exceptions=True,
            )
            if isinstance(net, network.NetSlot):
                env.net = net  # released with the environment, whatever else failed
            for outcome in (entered, net):
                if isinstance(outcome, BaseException):
                    raise outcome
        finally:
            os.close(netns)
        if env_id not in self._envs:
            self._free(env)
            raise OSError("the environment was released while it was adopted")
        assert env.net is not None
        return Prepared(self._plans.adopted(), [], env.net.api_socket, self._inside_env())

    def _cpus_for(self, memory_mb: int) -> float:
        return min(memory_mb / MB_PER_VCPU, float(self._cpus))

    def reserve(self, ro_binds: tuple[tuple[str, str], ...] = ()) -> Reservation | None:
        """A cgroup and a network namespace for a blank (None if no namespace is ready:
        making one here would block the event loop)."""
        if self._closed or self._cgroups is None or self._net is None:
            return None
        net = self._net.take()
        if net is None:
            return None
        token = "b" + secrets.token_hex(8)
        bound = frozenset(inside for _, inside in ro_binds)
        env = self._envs[token] = _Env(token, net=net, bound=bound)
        try:
            # Unthrottled until claimed: a blank that used up a small CPU quota while it
            # set up would stall its claim until the next CFS period (up to 100 ms).
            procs = self._cgroups.create(token, 128, float(self._cpus), PIDS)
        except BaseException:
            self.release(token)
            raise
        env.cgroup = True
        self._watch_oom(env)
        return Reservation(token, self._plans.blank(procs, ro_binds), [net.netns_fd])

    def initialized(self, env_id: str) -> None:
        env = self._envs.get(env_id)
        if env is not None and env.cgroup and env.cpus and self._cgroups is not None:
            with contextlib.suppress(OSError):  # it may be gone already
                self._cgroups.set_cpu(env.name, env.cpus)
            env.cpus = 0.0

    def pause(self, env_id: str) -> None:
        env = self._envs.get(env_id)
        if env is not None and env.cgroup and not env.paused and self._cgroups is not None:
            self._cgroups.freeze(env.name)
            env.paused = True

    def resume(self, env_id: str) -> None:
        env = self._envs.get(env_id)
        if env is not None and env.paused and self._cgroups is not None:
            self._cgroups.thaw(env.name)
            env.paused = False

    def _watch_oom(self, env: _Env) -> None:
        """An OOM kill is seen (and reported) at once: see `oom.py`."""
        if self._oom is not None:
            self._oom.watch(env.name, lambda: env.share if env.cgroup and not env.cpus else None)

    def max_memory_mb(self, env_id: str) -> int | None:
        env = self._envs.get(env_id)
        if self._cgroups is None or env is None or not env.cgroup:
            return None
        try:
            if env.peak_fd is None:
                path = self._cgroups.peak_memory_file(env.name)
                env.peak_fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            peak = int(os.pread(env.peak_fd, 64, 0))
        except (OSError, ValueError):
            return None
        return (peak + (1 << 20) - 1) >> 20

    def release(self, env_id: str) -> None:
        env = self._envs.pop(env_id, None)
        if env is not None:
            self._free(env)

    def _free(self, env: _Env) -> None:
        for fd in env.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        env.fds.clear()
        if self._oom is not None:
            self._oom.unwatch(env.name)
        if env.peak_fd is not None:
            os.close(env.peak_fd)
            env.peak_fd = None
        try:
            if env.cgroup and self._cgroups is not None:
                self._cgroups.remove(env.name)
        except Exception:
            log.exception("removing the cgroup %s failed", env.name)
        if env.disk is not None and self._disks is not None:
            self._disks.discard(env.disk)
        if env.net is not None and self._net is not None:
            self._net.release(env.net)

    def close(self) -> None:
        """Remove every cgroup, mount, interface and table this sandbox made. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._sweeper.join()
        for env_id in list(self._envs):
            self.release(env_id)
        for part in (self._net, self._disks):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        if self._cgroups is not None:
            self._cgroups.remove_all()
        s = self._settings
        # A disk still mounted here (taken, and its owner never gave it back) would keep
        # the run dir from going, and rmtree would descend into it: unmount what is left.
        with contextlib.suppress(OSError):
            disk_pool.sweep(s.run_dir / self.instance / "tmp", s.disk_dir / self.instance)
        with contextlib.suppress(OSError):
            shutil.rmtree(s.run_dir / self.instance)
        with contextlib.suppress(OSError):
            shutil.rmtree(s.disk_dir / self.instance)
        self._instance.release()  # last: until now a sweeper must see us alive


def _has_libseccomp() -> bool:
    import ctypes

    try:
        ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return False
    return True


def _free_subnet() -> str:
    """The first /20 of 10.213.0.0/16 that no interface of the host has an address in."""
    import ipaddress

    used = [
        ipaddress.ip_address(a.get_attr("IFA_ADDRESS"))
        for a in network.netlink(lambda ipr: ipr.get_addr(family=2))
    ]
    for k in range(16):
        net = ipaddress.ip_network(f"10.213.{16 * k}.0/20")
        if not any(a in net for a in used):
            return str(net)
    raise OSError("no free /20 in 10.213.0.0/16 for the environments' bridge")
