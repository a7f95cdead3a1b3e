"""The Linux sandbox's plans: what an environment does to itself inside, stage by stage.

`LinuxSandbox` (`linux.py`) owns the resources: cgroups, /tmp disks, network namespaces.
This module only writes, as `Plan`s (the contract of `plan.py`, with the paths of the
layout in `paths.py`), what the inside does with them:

- the first stage: cgroup, namespaces, the part of the root that is the same for every
  function; applied right after the fork, or by a blank ahead of time;
- the function's stage: its code, layers and /tmp, limits, uid, seccomp (with the first
  stage in the same plan when there is no blank);
- SnapStart: the restore stage a copy applies itself (`confine.detach`, `settle`) and
  the stage it applies once the host adopted it.

Every plan is checked against the contract as it is built. No I/O but one look at the
host's system directories when a `Plans` is made.
"""

from __future__ import annotations

import os
from pathlib import Path

from nubis.sandbox import plan as contract
from nubis.sandbox.base import EnvironmentLimits
from nubis.sandbox.paths import ISOLATED, Layout
from nubis.sandbox.plan import Bind, Link, Mounts, Plan, Seccomp
from nubis.sandbox.seccomp_policy import RESTORE_CALLS, SECCOMP_DENY

NOFILE = 1024  # Lambda's limit
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
_DEVICES = ("null", "zero", "full", "random", "urandom")


class Plans:
    """The plans of one sandbox's environments. Immutable after construction: safe to
    use from any thread."""

    def __init__(
        self,
        root: Path,
        hosts: Path,
        uid: int,
        seccomp: bool,
        ro_binds: tuple[tuple[str, str], ...] = (),
        layout: Layout = ISOLATED,
    ) -> None:
        self._root = str(root)  # an empty host directory: each environment's root
        self._hosts = str(hosts)  # the host file seen at the layout's /etc/hosts
        self._uid = uid
        self._seccomp = seccomp
        self._ro_binds = ro_binds  # (host path, path inside) in every environment
        self._layout = layout
        self._links, self._system = _system_tree()

    def first_stage(self, procs: list[str], netns_index: int = 1) -> Plan:
        """Cgroup (`procs`), the network namespace (fds[`netns_index`]), namespaces and
        the common part of the root; its binds are added by the caller."""
        return {
            "pidns": True,
            "cgroup": {"procs": procs},
            "network": {"fd": netns_index},  # without a blank, fds[0] is the log pipe
            "namespaces": True,
            "hostname": "localhost",
            "mounts": {"root": self._root, "base": True, "links": list(self._links)},
        }

    def base_binds(self, ro_binds: tuple[tuple[str, str], ...] = ()) -> list[Bind]:
        """What every environment has mounted: the host's system directories, /etc/hosts,
        the sandbox's and `ro_binds`, a few devices."""
        binds = [_ro(path, path) for path in self._system]
        binds.append(_ro(self._hosts, self._layout.hosts))
        binds += [_ro(host, inside) for host, inside in (*self._ro_binds, *ro_binds)]
        binds += [{"source": f"/dev/{d}", "target": f"/dev/{d}", "mode": "dev"} for d in _DEVICES]
        return binds

    def blank(self, procs: list[str], ro_binds: tuple[tuple[str, str], ...]) -> Plan:
        """The first stage of a blank (fds[0] is its network namespace), with
        `ro_binds` mounted ahead and its seccomp filter compiled ahead."""
        plan = self.first_stage(procs, 0)
        plan["mounts"]["binds"] = self.base_binds(ro_binds)
        if self._seccomp:
            plan["seccomp"] = _seccomp(SECCOMP_DENY, load=False)  # loaded when claimed
        contract.check(plan)
        return plan

    def environment(
        self,
        limits: EnvironmentLimits,
        tmp_source: str,
        procs: list[str] | None,
        bound: frozenset[str] = frozenset(),
    ) -> Plan:
        """The function's stage: its code, layers, `limits.ro_binds` (but those a blank
        mounted already, `bound`) and the disk mounted at `tmp_source` as /tmp; then the
        pivot, limits and privileges. With `procs` (no blank), the first stage too."""
        layout = self._layout
        first: Plan = {} if procs is None else self.first_stage(procs)
        binds = [] if procs is None else self.base_binds()
        binds.append(_ro(str(limits.code_dir), layout.task(limits.code_dir)))
        if limits.opt_dir is not None:
            binds.append(_ro(str(limits.opt_dir), layout.opt(limits.opt_dir)))
        binds += [_ro(host, inside) for host, inside in limits.ro_binds if inside not in bound]
        binds.append({"source": tmp_source, "target": layout.tmp, "mode": "rw"})
        mounts: Mounts = first.pop("mounts", {"root": self._root})
        mounts["binds"] = binds
        mounts["pivot"] = True
        plan: Plan = {
            **first,
            "mounts": mounts,
            "rlimits": [
                {"name": "RLIMIT_NOFILE", "soft": NOFILE, "hard": NOFILE},
                {"name": "RLIMIT_CORE", "soft": 0, "hard": 0},
            ],
            "uid": self._uid,
            "gid": self._uid,
            "cwd": layout.task(limits.code_dir),
        }
        if self._seccomp:
            deny: tuple[str, ...] = SECCOMP_DENY
            if limits.snapshot:  # it must still make its copies' namespaces and mounts
                deny = tuple(c for c in deny if c not in RESTORE_CALLS)
            plan["seccomp"] = _seccomp(deny, load=True)
        contract.check(plan)
        return plan

    def restore(self) -> Plan:
        """What a SnapStart copy does itself: namespaces of its own (with its uid and gid
        mapped), its /proc, the /tmp sent as fds[0]; its filter compiled while the host
        adopts it."""
        plan: Plan = {
            "userns": [self._uid, self._uid],
            "proc": True,
            "tmp_tree_fd": 0,
            "hostname": "localhost",
        }
        if self._seccomp:
            plan["seccomp"] = _seccomp(SECCOMP_DENY, load=False)  # loaded after `adopt`
        contract.check(plan)
        return plan

    def adopted(self) -> Plan:
        """What a copy gives up once the host adopted it: every capability it held in its
        user namespace, then the calls it needed to settle."""
        plan: Plan = {"drop_caps": True}
        if self._seccomp:
            plan["seccomp"] = _seccomp(SECCOMP_DENY, load=True)
        contract.check(plan)
        return plan


def _seccomp(deny: tuple[str, ...], load: bool) -> Seccomp:
    return {"deny": list(deny), "load": load}


def _ro(source: str, target: str) -> Bind:
    return {"source": source, "target": target, "mode": "ro"}


def _system_tree() -> tuple[tuple[Link, ...], tuple[str, ...]]:
    """The host's system directories as they appear inside: symlinks stay symlinks
    (`/bin -> usr/bin` on merged-/usr systems), directories (returned) are bound
    read-only at the same path."""
    links: list[Link] = []
    binds: list[str] = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            links.append({"target": os.readlink(path), "path": path})
        elif os.path.isdir(path):
            binds.append(path)
    return tuple(links), tuple(binds)
