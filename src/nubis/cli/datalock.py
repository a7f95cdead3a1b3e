"""The data dir's owner lock: one `nubis serve` per data dir.

Two servers on one data dir would each think the other's leased async events are a
crashed predecessor's and run them again, and both would write the same SQLite files.
The first server holds an exclusive lock on `<data_dir>/nubis.lock` for its lifetime;
the second finds it taken and refuses to start.

Why `lockf` (POSIX record locks) and not `flock`: a POSIX lock belongs to the process,
so it is neither inherited by a child the server forks without exec (a sandbox helper,
a zygote) nor kept alive by one that outlives a `kill -9`d server: the kernel drops it
the moment the server process dies. The rule that comes with it: the server never
opens this file a second time, since closing any descriptor of it drops the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = "nubis.lock"


class DataDirInUse(Exception):
    """Another live process holds the data dir's lock."""

    def __init__(self, data_dir: Path, pid: str) -> None:
        owner = f" (pid {pid})" if pid else ""
        super().__init__(f"data dir {data_dir} is in use by another nubis serve{owner}")


class DataDirLock:
    """Held from `acquire()` to `release()`; `release()` is idempotent."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `DataDirInUse`, naming the owner's pid."""
        self._data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirInUse(self._data_dir, pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        # The file stays: removing it would let a third server lock a fresh inode while
        # a second still waits on the old one. Its content (a pid) is only informative.
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
