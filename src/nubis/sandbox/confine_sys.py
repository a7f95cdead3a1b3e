"""The system calls the in-sandbox side (`confine.py` and its siblings) makes: one libc.

Standard library only and no Nubis imports; loaded by path into the zygote by
`confine.py` (as `_nubis_confine_sys`) before its other siblings, which find it there.
Every call goes through `libc` of this module, looked up when it is made, so that a test
can replace it and see that no step ran.
"""

from __future__ import annotations

import ctypes
import os
import platform

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
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

PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_SYS_MOVE_MOUNT = 429  # the same number on every architecture (the new mount API)
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_AT_FDCWD = -100
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.unshare.argtypes = [ctypes.c_int]
libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
libc.prctl.argtypes = [
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
]


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


def mount(
    src: str | None, dst: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    check(libc.mount(_b(src), _b(dst), _b(fstype), flags, _b(data)), f"mount {src} on {dst}")


def umount_detach(path: str, what: str) -> None:
    check(libc.umount2(path.encode(), MNT_DETACH), what)


def unshare(flags: int) -> None:
    check(libc.unshare(flags), "unshare")


def setns(fd: int, nstype: int) -> None:
    check(libc.setns(fd, nstype), "setns")


def sethostname(name: str) -> None:
    encoded = name.encode()
    check(libc.sethostname(encoded, len(encoded)), "sethostname")


def prctl(what: str, option: int, *args: int) -> None:
    padded = (*args, 0, 0, 0, 0)[:4]
    check(libc.prctl(option, *padded), what)


def drop_bounding_set() -> None:
    """Every capability out of the bounding set (until the kernel knows no more)."""
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1


def clear_capabilities() -> None:
    """Empty the effective, permitted and inheritable sets of this process."""
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable}: all zero
    nr = _SYS_CAPSET[platform.machine()]
    check(libc.syscall(nr, ctypes.byref(header), ctypes.byref(data)), "capset")


def pivot_root_here() -> None:
    """pivot_root(".", "."): the old root stacked under the new one (detach it next)."""
    check(libc.syscall(_SYS_PIVOT_ROOT[platform.machine()], b".", b"."), "pivot_root")


def move_mount_onto(fd: int, path: str, what: str) -> None:
    """The detached mount `fd` (open_tree) moved onto `path`."""
    result = libc.syscall(
        _SYS_MOVE_MOUNT, fd, b"", _AT_FDCWD, path.encode(), _MOVE_MOUNT_F_EMPTY_PATH
    )
    check(result, what)
