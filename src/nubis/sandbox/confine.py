"""The zygote side of the Linux sandbox: applies a plan inside a freshly forked environment.

Standard library only and no Nubis imports: the runtime zygote (`nubis/runtimes/python/
zygote.py`) loads this file by path and calls `apply()` in the forked child, before any
function code runs. The host side that writes the plan is `nubis/sandbox/linux.py`; the
plan's keys are the TypedDicts of `plan.py` (loaded beside this file), and every entry
point here refuses a plan with a key it does not know or a record without a key it needs.

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

import ctypes
import importlib.util
import os
import platform
import sys
from typing import TYPE_CHECKING, Any


def _load_plan() -> Any:
    """plan.py beside this file, as the zygote loaded it (or loads it now): by path."""
    name = "_nubis_plan"
    module = sys.modules.get(name)
    if module is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plan.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


if TYPE_CHECKING or __package__:  # imported as nubis.sandbox.confine (tests, mypy)
    from nubis.sandbox import plan as _plan
    from nubis.sandbox.plan import Mounts, Plan
else:  # loaded by path into a zygote, where Nubis cannot be imported
    _plan = _load_plan()

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38

_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_SYS_MOVE_MOUNT = 429  # the same number on every architecture (the new mount API)
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_AT_FDCWD = -100
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
PR_SET_DUMPABLE = 4
CLONE_NEWUSER = 0x10000000

KNOWN_KEYS = _plan.KEYS  # every key `apply`, `detach` and `settle` accept

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_libc.prctl.argtypes = [
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


def mount(
    src: str | None, dst: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(_libc.mount(_b(src), _b(dst), _b(fstype), flags, _b(data)), f"mount {src} on {dst}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(fd, nstype), "setns")


class PidNamespace:
    """Forks of the zygote between `enter()` and `leave()` are pid 1 of a new namespace.

    unshare(CLONE_NEWPID) only changes the namespace of the caller's *future children*;
    setns() back to the caller's own namespace undoes that, so one zygote can fork each
    environment into a namespace of its own."""

    def __init__(self) -> None:
        self._own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def enter(self) -> None:
        unshare(CLONE_NEWPID)

    def leave(self) -> None:
        setns(self._own, CLONE_NEWPID)


def _mkdirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _bind(root: str, src: str, dst: str, mode: str) -> None:
    target = root + dst
    if os.path.isdir(src):
        _mkdirs(target)
    else:
        _mkdirs(os.path.dirname(target))
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    if mode == "ro" and src != dst and _overlay_bind(root, src, target):
        return
    mount(src, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID
    if mode == "ro":
        flags |= MS_RDONLY | MS_NODEV
    elif mode == "rw":
        flags |= MS_NODEV
    mount(None, target, None, flags)


def _overlay_bind(root: str, src: str, target: str) -> bool:
    """`src` read-only at `target` without naming `src` in the environment's mountinfo.

    A bind mount's `root` field is its path inside the source file system (the host's
    layout: the data dir, the virtualenv, ...). A read-only overlay whose layers are given
    as /proc/self/fd/N is a file system of its own: root "/", options naming only fds. The
    second (empty) layer is the mount point itself (an overlay needs two layers without an
    upper one). A file is bound out of an overlay of its directory, mounted on a staging
    directory and detached at once. False where the kernel has no overlay file system."""
    is_dir = os.path.isdir(src)
    point = target if is_dir else root + "/.nubis-stage"
    if not is_dir:
        _mkdirs(point)
    fds = [
        os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        for p in (src if is_dir else os.path.dirname(src), point)
    ]
    try:
        layers = ":".join(f"/proc/self/fd/{fd}" for fd in fds)
        flags = MS_RDONLY | MS_NOSUID | MS_NODEV
        try:
            mount("overlay", point, "overlay", flags, f"lowerdir={layers}")
        except OSError:
            return False
    finally:
        for fd in fds:
            os.close(fd)
    if not is_dir:
        try:
            mount(f"{point}/{os.path.basename(src)}", target, None, MS_BIND)
            mount(None, target, None, MS_REMOUNT | MS_BIND | flags)
        finally:
            _check(_libc.umount2(point.encode(), MNT_DETACH), "umount staging")
            os.rmdir(point)
    return True


def _build_root(mounts: Mounts, extra_ro: list[str]) -> None:
    root = mounts["root"]
    binds = [(b["source"], b["target"], b["mode"]) for b in mounts.get("binds", ())]
    if mounts.get("base"):
        mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
        for link in mounts.get("links", ()):
            _mkdirs(os.path.dirname(root + link["path"]))
            os.symlink(link["target"], root + link["path"])
        covered = [dst for _, dst, _ in binds]
        for path in extra_ro:
            # The interpreter's own installation, where it is not under a bound directory.
            inside = any(path == c or path.startswith(c.rstrip("/") + "/") for c in covered)
            if path and not inside:
                binds.append((path, path, "ro"))
                covered.append(path)
    for src, dst, mode in binds:
        _bind(root, src, dst, mode)
    if mounts.get("base"):
        _base_of_root(root)
    if mounts.get("pivot"):
        _pivot(root)


def _base_of_root(root: str) -> None:
    for name in ("proc", "dev/pts"):
        _mkdirs(f"{root}/{name}")
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{root}/dev/{name}")
    # A /proc of the environment's own PID namespace: the host's processes are not in it.
    mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def _pivot(root: str) -> None:
    os.chdir(root)
    # pivot_root(".", ".") stacks the old root under the new one; detaching it leaves
    # nothing of the host's tree reachable (runc does the same).
    machine = platform.machine()
    _check(_libc.syscall(_SYS_PIVOT_ROOT[machine], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _drop_privileges(plan: Plan) -> None:
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if "uid" in plan:
        gid = int(plan.get("gid", plan["uid"]))
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        uid = int(plan["uid"])
        # uid 0 -> non-zero clears the permitted, effective and ambient capabilities.
        os.setresuid(uid, uid, uid)


def _drop_caps() -> None:
    """Empty the bounding, effective, permitted and inheritable sets of this process."""
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable}: all zero
    nr = _SYS_CAPSET[platform.machine()]
    _check(_libc.syscall(nr, ctypes.byref(header), ctypes.byref(data)), "capset")


def detach(plan: Plan) -> None:
    """SnapStart, in the fork of an initialised environment: new user, mount, network,
    PID, IPC and UTS namespaces, with the plan's uid and gid mapped 1:1. The caller then
    forks once more (the new PID namespace is for its children) and the child `settle`s."""
    _plan.check(plan)
    uid, gid = (int(v) for v in plan["userns"])
    # The uid change at confinement made this process non-dumpable, which makes its
    # /proc/self files root's: it could not write its own uid_map.
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")
    unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def settle(plan: Plan, fds: list[int]) -> None:
    """SnapStart, in pid 1 of the namespaces `detach` made: its own /proc and /tmp."""
    _plan.check(plan)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    if plan.get("proc"):
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if "tmp_tree_fd" in plan:
        fd = fds[int(plan["tmp_tree_fd"])]
        # On top of the initialised environment's /tmp, which stays hidden underneath.
        result = _libc.syscall(
            _SYS_MOVE_MOUNT, fd, b"", _AT_FDCWD, b"/tmp", _MOVE_MOUNT_F_EMPTY_PATH
        )
        _check(result, "move_mount /tmp")
        os.close(fd)
    if "hostname" in plan:
        hostname = str(plan["hostname"]).encode()
        _check(_libc.sethostname(hostname, len(hostname)), "sethostname")
    if plan.get("seccomp_compile"):
        _compile_seccomp(list(plan["seccomp_compile"]))  # while the host adopts it


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_MASKED_EQ = 7
_NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWPID,
    CLONE_NEWNET,
    0x02000000,  # CLONE_NEWCGROUP
    0x10000000,  # CLONE_NEWUSER
)


def _errno_action(err: int) -> int:
    return 0x00050000 | (err & 0xFFFF)  # SCMP_ACT_ERRNO(err)


_compiled: dict[str, bytes] = {}  # deny list (as JSON) -> BPF program (in this process)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp(deny: list[Any]) -> None:
    """Refuse `deny` (and namespace-creating clones) for this process and its children."""
    program = _compile_seccomp(deny)
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    # PR_SET_SECCOMP, SECCOMP_MODE_FILTER; no_new_privs is already set.
    result = _libc.prctl(22, 2, ctypes.addressof(prog), 0, 0)
    _check(result, "seccomp filter")


def _compile_seccomp(deny: list[Any]) -> bytes:
    import json

    key = json.dumps(deny)
    if key not in _compiled:
        _compiled[key] = _build_seccomp(deny)
    return _compiled[key]


def _build_seccomp(deny: list[Any]) -> bytes:
    import errno

    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        eperm = _errno_action(errno.EPERM)

        def rule(action: int, name: str, *cmps: _ArgCmp) -> None:
            nr = lib.seccomp_syscall_resolve_name(name.encode())
            if nr < 0:  # not a syscall of this architecture
                return
            array = (_ArgCmp * len(cmps))(*cmps) if cmps else None
            result = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), array)
            if result != 0:
                raise OSError(-result, f"seccomp rule for {name}: {os.strerror(-result)}")

        always = {entry for entry in deny if isinstance(entry, str)}
        for entry in deny:
            if isinstance(entry, str):
                rule(eperm, entry)
            elif entry[0] not in always:  # refused under these conditions only
                rule(eperm, entry[0], *(_ArgCmp(*cmp) for cmp in entry[1]))
        for flag in _NAMESPACE_FLAGS:
            rule(eperm, "clone", _ArgCmp(0, _SCMP_CMP_MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory, out of a filter's reach.
        rule(_errno_action(errno.ENOSYS), "clone3")
        read_end, write_end = os.pipe()  # a program of a few hundred bytes: fits a pipe
        try:
            result = lib.seccomp_export_bpf(ctx, write_end)
            os.close(write_end)
            write_end = -1
            if result != 0:
                raise OSError(-result, f"seccomp_export_bpf: {os.strerror(-result)}")
            chunks = []
            while chunk := os.read(read_end, 65536):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
    finally:
        lib.seccomp_release(ctx)


def apply(plan: Plan, fds: list[int], extra_ro: list[str]) -> None:
    """Confine the calling process (the forked environment) as `plan` says; PlanError
    (before any step) for a plan with a key this side does not know."""
    _plan.check(plan)
    for path in plan.get("cgroup_procs", ()):
        with open(path, "w") as f:
            f.write("0")
    if "netns_fd" in plan:
        fd = fds[int(plan["netns_fd"])]
        setns(fd, CLONE_NEWNET)
        os.close(fd)
    if plan.get("namespaces"):
        unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS)
        hostname = str(plan.get("hostname", "localhost")).encode()
        _check(_libc.sethostname(hostname, len(hostname)), "sethostname")
        # Nothing done in this mount namespace may propagate back to the host's.
        mount(None, "/", None, MS_REC | MS_PRIVATE)
    if "mounts" in plan:
        _build_root(plan["mounts"], extra_ro)
    if plan.get("rlimits"):
        import resource

        for limit in plan["rlimits"]:
            resource.setrlimit(getattr(resource, limit["name"]), (limit["soft"], limit["hard"]))
    if "uid" in plan:
        _drop_privileges(plan)
    if plan.get("drop_caps"):
        _drop_caps()
    if plan.get("seccomp_compile"):
        _compile_seccomp(list(plan["seccomp_compile"]))
    if plan.get("seccomp"):
        _seccomp(list(plan["seccomp"]))  # last: the steps above use some of these calls
