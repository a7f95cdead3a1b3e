"""Private /tmp disks: sparse ext4 images, loop-mounted ahead of time by a worker thread.

Why not a tmpfs: its pages are unreclaimable memory charged to the writer's memory
cgroup, so /tmp would count against MemorySize; Lambda's /tmp does not. A loop-mounted
ext4 image is disk: its page cache is reclaimable. Making one costs ≈ 15 ms (mkfs +
mount), so `TmpDisks` keeps a few mounted per size and refills in the background; the
cold path only takes one (`take`), and a used one is never reused: `discard` unmounts it
(the loop device is freed with it, `autoclear`) and deletes the image.

Names: images `<image_dir>/nubis-<n>.img`, mount points `<mount_dir>/nubis-<n>`, so a
sweep after a crash finds them by name. Thread-safety: `take` and `discard` may be
called from any thread; the worker does the blocking work.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MNT_DETACH = 2
REFILL_DELAY_S = 0.05
_libc = ctypes.CDLL(None, use_errno=True)
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


@dataclass(frozen=True)
class Disk:
    size_mb: int
    image: Path
    mount_point: Path


def umount(path: str) -> bool:
    return bool(_libc.umount2(path.encode(), MNT_DETACH) == 0)


class TmpDisks:
    def __init__(self, mount_dir: Path, image_dir: Path, uid: int, gid: int, keep: int = 3) -> None:
        self._mount_dir = mount_dir
        self._image_dir = image_dir
        self._uid = uid
        self._gid = gid
        self._keep = keep
        mount_dir.mkdir(parents=True, exist_ok=True)
        image_dir.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count()
        self._ready: dict[int, deque[Disk]] = {}
        self._wanted: set[int] = set()
        self._doomed: deque[Disk] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="nubis-tmp-disks", daemon=True)
        self._worker.start()

    def want(self, size_mb: int) -> None:
        """Keep disks of this size ready from now on."""
        with self._cond:
            self._wanted.add(size_mb)
            self._cond.notify()

    def take(self, size_mb: int) -> Disk | None:
        """A ready, mounted, empty disk of that size, or None (then `make` one)."""
        with self._cond:
            self._wanted.add(size_mb)
            ready = self._ready.get(size_mb)
            disk = ready.popleft() if ready else None
            self._cond.notify()
            return disk

    def make(self, size_mb: int) -> Disk:
        """Create and mount a disk now (blocking, ≈ 15 ms)."""
        n = next(self._counter)
        image = self._image_dir / f"nubis-{n}.img"
        mount_point = self._mount_dir / f"nubis-{n}"
        try:
            with open(image, "wb") as f:
                f.truncate(size_mb << 20)
            subprocess.run(
                [
                    "mkfs.ext4",
                    "-q",
                    "-F",
                    "-m",
                    "0",
                    "-O",
                    "^has_journal",
                    "-E",
                    f"root_owner={self._uid}:{self._gid},lazy_itable_init=1,nodiscard",
                    str(image),
                ],
                check=True,
                capture_output=True,
            )
            mount_point.mkdir()
            subprocess.run(
                ["mount", "-o", "loop,nosuid,nodev", str(image), str(mount_point)],
                check=True,
                capture_output=True,
            )
        except BaseException:
            self._destroy(Disk(size_mb, image, mount_point))
            raise
        return Disk(size_mb, image, mount_point)

    def discard(self, disk: Disk) -> None:
        """Unmount and delete it in the background. Never raises."""
        with self._cond:
            self._doomed.append(disk)
            self._cond.notify()

    def _destroy(self, disk: Disk) -> None:
        umount(str(disk.mount_point))
        with contextlib.suppress(OSError):
            disk.mount_point.rmdir()
        with contextlib.suppress(OSError):
            disk.image.unlink()

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._doomed:
                        job: Disk | int = self._doomed.popleft()
                        break
                    if self._closed:
                        return
                    short = [
                        s for s in sorted(self._wanted) if len(self._ready.get(s, ())) < self._keep
                    ]
                    if short:
                        job = short[0]
                        break
                    self._cond.wait()
            if isinstance(job, Disk):
                self._destroy(job)
                continue
            # Not during the cold start that just took one: mkfs competes for the CPUs.
            time.sleep(REFILL_DELAY_S)
            try:
                disk = self.make(job)
            except (OSError, subprocess.CalledProcessError) as e:
                log.error("could not prepare a /tmp disk of %d MB: %s", job, e)
                with self._cond:
                    self._wanted.discard(job)
                continue
            with self._cond:
                if self._closed:
                    self._doomed.append(disk)
                else:
                    self._ready.setdefault(job, deque()).append(disk)

    def close(self) -> None:
        """Stop the worker; unmount and delete every disk it made. Idempotent."""
        with self._cond:
            self._closed = True
            for ready in self._ready.values():
                self._doomed.extend(ready)
            self._ready.clear()
            self._cond.notify()
        self._worker.join()
        while self._doomed:
            self._destroy(self._doomed.popleft())


def sweep(mount_dir: Path, image_dir: Path) -> list[str]:
    """Unmount and delete what a crashed server left under these directories."""
    swept = []
    prefix = str(mount_dir) + "/"
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        if point.startswith(prefix) and "nubis" in point and umount(point):
            swept.append(point)
    for path in list(mount_dir.glob("nubis-*")) + list(image_dir.glob("nubis-*.img")):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()
            swept.append(str(path))
    return swept
