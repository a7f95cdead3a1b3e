"""The zygote side of the Linux sandbox: applies a plan inside a freshly forked environment.

Standard library only and no Nubis imports: the runtime zygote (`nubis/runtimes/python/
zygote.py`) loads this file by path and calls `apply()` in the forked child, before any
function code runs. The host side that writes the plan is `nubis/sandbox/linux.py`; the
plan's keys are the TypedDicts of `plan.py` (loaded beside this file), and every entry
point here refuses a plan with a key it does not know or a record without a key it needs.

Its siblings, loaded by path with it (in this order; each finds the ones before it in
`sys.modules` under a private name), all before the zygote forks: `plan.py` (the
contract), `confine_sys.py` (the system calls), `confine_root.py` (the plan's `mounts`),
`confine_seccomp.py` (the plan's `seccomp`). A fork therefore imports nothing.

SnapStart restores (`detach`, `settle`): an initialised environment (uid 993, no
capabilities) forks a copy of itself per restored environment. The copy cannot be put
into new namespaces by anyone else, so it makes them itself: `detach` (in the fork)
creates a user namespace with every other namespace (the only way an unprivileged
process can), then forks again so that the final process is pid 1 of the new PID
namespace; `settle` (in that process) mounts its own /proc and the /tmp it was sent.
The host then moves it into its cgroup and gives its network namespace the Runtime API
socket and an interface, and it applies "drop_caps" and "seccomp" before it runs again.

Ordering (each step needs the privileges the next ones give up): cgroup first (memory is
charged from the first page), then namespaces, then mounts (need CAP_SYS_ADMIN in the
new mount namespace), then rlimits, no_new_privs, the capability bounding set, and the
uid/gid last (dropping uid 0 clears the permitted and effective capability sets).

A plan may come in two stages (a *blank* environment, forked ahead of time): the first
(cgroup, network, namespaces) is applied right after the fork, the second (root, limits,
privileges) when the blank is claimed; `apply` is called once per stage.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any


def _load(name: str, filename: str) -> Any:
    """A sibling of this file, as the zygote loaded it (or loads it now): by path."""
    module = sys.modules.get(name)
    if module is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


if TYPE_CHECKING or __package__:  # imported as nubis.sandbox.confine (tests, mypy)
    from nubis.sandbox import confine_root as _root
    from nubis.sandbox import confine_seccomp as _seccomp
    from nubis.sandbox import confine_sys as _sys
    from nubis.sandbox import plan as _plan
    from nubis.sandbox.plan import Plan
else:  # loaded by path into a zygote, where Nubis cannot be imported
    _plan = _load("_nubis_plan", "plan.py")
    _sys = _load("_nubis_confine_sys", "confine_sys.py")
    _root = _load("_nubis_confine_root", "confine_root.py")
    _seccomp = _load("_nubis_confine_seccomp", "confine_seccomp.py")

KNOWN_KEYS = _plan.KEYS  # every key `apply`, `detach` and `settle` accept


class PidNamespace:
    """Forks of the zygote between `enter()` and `leave()` are pid 1 of a new namespace.

    unshare(CLONE_NEWPID) only changes the namespace of the caller's *future children*;
    setns() back to the caller's own namespace undoes that, so one zygote can fork each
    environment into a namespace of its own."""

    def __init__(self) -> None:
        self._own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def enter(self) -> None:
        _sys.unshare(_sys.CLONE_NEWPID)

    def leave(self) -> None:
        _sys.setns(self._own, _sys.CLONE_NEWPID)


def apply(plan: Plan, fds: list[int], extra_ro: list[str]) -> None:
    """Confine the calling process (the forked environment) as `plan` says; PlanError
    (before any step) for a plan with a key this side does not know."""
    _plan.check(plan)
    if "cgroup" in plan:
        for path in plan["cgroup"]["procs"]:
            with open(path, "w") as f:
                f.write("0")
    if "network" in plan:
        fd = fds[int(plan["network"]["fd"])]
        _sys.setns(fd, _sys.CLONE_NEWNET)
        os.close(fd)
    if plan.get("namespaces"):
        _sys.unshare(_sys.CLONE_NEWNS | _sys.CLONE_NEWIPC | _sys.CLONE_NEWUTS)
        _sys.sethostname(str(plan.get("hostname", "localhost")))
        # Nothing done in this mount namespace may propagate back to the host's.
        _sys.mount(None, "/", None, _sys.MS_REC | _sys.MS_PRIVATE)
    if "mounts" in plan:
        _root.build_root(plan["mounts"], extra_ro)
    if plan.get("rlimits"):
        import resource

        for limit in plan["rlimits"]:
            resource.setrlimit(getattr(resource, limit["name"]), (limit["soft"], limit["hard"]))
    if "uid" in plan:
        _drop_privileges(plan)
    if plan.get("drop_caps"):
        _sys.drop_bounding_set()
        _sys.clear_capabilities()
    _filter(plan)  # last: the steps above use some of the calls it refuses


def _drop_privileges(plan: Plan) -> None:
    _sys.prctl("no_new_privs", _sys.PR_SET_NO_NEW_PRIVS, 1)
    _sys.drop_bounding_set()
    gid = int(plan.get("gid", plan["uid"]))
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    uid = int(plan["uid"])
    # uid 0 -> non-zero clears the permitted, effective and ambient capabilities.
    os.setresuid(uid, uid, uid)


def _filter(plan: Plan) -> None:
    """The plan's seccomp filter: compiled (ahead of a later stage) or loaded."""
    if "seccomp" not in plan:
        return
    seccomp = plan["seccomp"]
    if seccomp["load"]:
        _seccomp.load(list(seccomp["deny"]))
    else:
        _seccomp.compile_filter(list(seccomp["deny"]))


def detach(plan: Plan) -> None:
    """SnapStart, in the fork of an initialised environment: new user, mount, network,
    PID, IPC and UTS namespaces, with the plan's uid and gid mapped 1:1. The caller then
    forks once more (the new PID namespace is for its children) and the child `settle`s."""
    _plan.check(plan)
    uid, gid = (int(v) for v in plan["userns"])
    # The uid change at confinement made this process non-dumpable, which makes its
    # /proc/self files root's: it could not write its own uid_map.
    _sys.prctl("dumpable", _sys.PR_SET_DUMPABLE, 1)
    _sys.unshare(
        _sys.CLONE_NEWUSER
        | _sys.CLONE_NEWNS
        | _sys.CLONE_NEWNET
        | _sys.CLONE_NEWPID
        | _sys.CLONE_NEWIPC
        | _sys.CLONE_NEWUTS
    )
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def settle(plan: Plan, fds: list[int]) -> None:
    """SnapStart, in pid 1 of the namespaces `detach` made: its own /proc and /tmp; its
    filter compiled while the host adopts it."""
    _plan.check(plan)
    _sys.mount(None, "/", None, _sys.MS_REC | _sys.MS_PRIVATE)
    if plan.get("proc"):
        _sys.mount("proc", "/proc", "proc", _sys.MS_NOSUID | _sys.MS_NODEV | _sys.MS_NOEXEC)
    if "tmp_tree_fd" in plan:
        fd = fds[int(plan["tmp_tree_fd"])]
        # On top of the initialised environment's /tmp, which stays hidden underneath.
        _sys.move_mount_onto(fd, "/tmp", "move_mount /tmp")
        os.close(fd)
    if "hostname" in plan:
        _sys.sethostname(str(plan["hostname"]))
    _filter(plan)
