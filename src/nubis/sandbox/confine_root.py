"""The environment's root, built inside its new mount namespace: the plan's `mounts`.

Standard library only and no Nubis imports; loaded by path by `confine.py` (as
`_nubis_confine_root`, after `confine_sys.py`). With `base`, a 1 MB tmpfs on the plan's
root gets the system links, /dev links and a /proc of the environment's own PID
namespace; each bind is mounted (read-only ones as overlays where the kernel has them,
so the host's paths do not show in mountinfo); with `pivot`, the root is pivoted into,
the host's tree detached and the root made read-only.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING or __package__:  # imported as nubis.sandbox.confine_root (tests, mypy)
    from nubis.sandbox import confine_sys as _sys
    from nubis.sandbox.plan import Mounts
else:  # loaded by path by confine.py, which loaded confine_sys.py first
    _sys = sys.modules["_nubis_confine_sys"]

_RO = _sys.MS_RDONLY | _sys.MS_NOSUID | _sys.MS_NODEV


def build_root(mounts: Mounts, extra_ro: list[str]) -> None:
    root = mounts["root"]
    binds = [(b["source"], b["target"], b["mode"]) for b in mounts.get("binds", ())]
    if mounts.get("base"):
        _sys.mount("tmpfs", root, "tmpfs", _sys.MS_NOSUID | _sys.MS_NODEV, "size=1m,mode=755")
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
    _sys.mount(src, target, None, _sys.MS_BIND | _sys.MS_REC)
    flags = _sys.MS_REMOUNT | _sys.MS_BIND | _sys.MS_NOSUID
    if mode == "ro":
        flags |= _sys.MS_RDONLY | _sys.MS_NODEV
    elif mode == "rw":
        flags |= _sys.MS_NODEV
    _sys.mount(None, target, None, flags)


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
    if not _overlay(src if is_dir else os.path.dirname(src), point):
        return False
    if not is_dir:
        try:
            _sys.mount(f"{point}/{os.path.basename(src)}", target, None, _sys.MS_BIND)
            _sys.mount(None, target, None, _sys.MS_REMOUNT | _sys.MS_BIND | _RO)
        finally:
            _sys.umount_detach(point, "umount staging")
            os.rmdir(point)
    return True


def _overlay(lower: str, point: str) -> bool:
    """A read-only overlay of `lower` (and the empty `point`) on `point`; False where the
    kernel refuses it."""
    fds = [os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) for p in (lower, point)]
    try:
        layers = ":".join(f"/proc/self/fd/{fd}" for fd in fds)
        try:
            _sys.mount("overlay", point, "overlay", _RO, f"lowerdir={layers}")
        except OSError:
            return False
    finally:
        for fd in fds:
            os.close(fd)
    return True


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
    _sys.mount("proc", f"{root}/proc", "proc", _sys.MS_NOSUID | _sys.MS_NODEV | _sys.MS_NOEXEC)


def _pivot(root: str) -> None:
    os.chdir(root)
    # pivot_root(".", ".") stacks the old root under the new one; detaching it leaves
    # nothing of the host's tree reachable (runc does the same).
    _sys.pivot_root_here()
    _sys.umount_detach(".", "umount old root")
    os.chdir("/")
    _sys.mount(None, "/", None, _sys.MS_REMOUNT | _sys.MS_BIND | _RO)
