"""Which sandbox instances are alive: a lock only a live owner holds, at one host-wide place.

Every `LinuxSandbox` is an *instance* with a 4-hex-digit id, and everything it creates is
named after that id (`nubis-<id>` cgroups, `nb<id>` interfaces, `nubis-<id>` nft tables,
`<run_dir>/<id>`, `<disk_dir>/<id>`). Its lock file `LOCK_DIR/<id>.lock` is flock()ed for
the instance's whole life, whatever run directory the sandbox was given, so two servers
(or a server and a test run) with different run directories still see each other.

Rules (the whole protocol):
- Claim: the file is made and locked under a temporary name, then hard-linked to its
  final name (link fails if the name exists: two claimers of one id cannot both win),
  so nobody ever sees a final lock file unlocked while its owner lives. An id is not
  claimed while its lock file exists (a dead instance not yet swept keeps its id) or
  while anything named after it exists (`taken`: leftovers of unknown provenance).
- Alive: the lock file's flock is held. The kernel drops it when the owner dies, also
  on `kill -9`. The fd is O_CLOEXEC and never passed to a child, so no other process
  can keep it held.
- Dead: the lock file exists and this process could lock it, and the path still names
  the inode it locked (not unlinked and replaced meanwhile). Only that is proof of death:
  an id without a lock file is never swept. The sweeper keeps holding the lock while it
  removes the leftovers, so a second sweeper sees the instance as "alive" and leaves it
  alone, and no new owner can claim the id until `DeadInstance.forget()` unlinks the file
  (after the sweep: the last step).
- The lock file holds a JSON record of where the instance put things (its run and disk
  directories, its cgroup parents), written once they exist, so that a sweeper with
  other directories still finds them. A sweeper trusts only paths named after the id.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCK_DIR = Path("/run/nubis-instances")
_HEX = frozenset("0123456789abcdef")


def is_instance_id(name: str) -> bool:
    return len(name) == 4 and set(name) <= _HEX


class Instance:
    """A claimed instance id; its lock is held until `release()` (or the process dies)."""

    def __init__(self, taken: Callable[[str], bool], lock_dir: Path = LOCK_DIR) -> None:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._dir = lock_dir
        while True:
            instance = secrets.token_hex(2)
            final = lock_dir / f"{instance}.lock"
            if final.exists() or taken(instance):
                continue
            temp = lock_dir / f".{instance}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                os.link(temp, final)
            except FileExistsError:
                os.close(fd)
                continue
            finally:
                os.unlink(temp)
            self.id = instance
            self.path = final
            self._fd: int | None = fd
            return

    def record(self, **where: Any) -> None:
        """Write where this instance puts things, for whoever sweeps after its death."""
        assert self._fd is not None
        data = json.dumps({"pid": os.getpid(), **where}).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        """Everything is removed: unlink, then unlock (a sweeper that opened the file
        before the unlink finds it replaced or gone and leaves it). Idempotent."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


@dataclass
class DeadInstance:
    """An instance proven dead; its lock is held by us until `forget()`."""

    id: str
    path: Path
    fd: int
    record: dict[str, Any] = field(default_factory=dict)

    def paths(self, key: str, name: str) -> list[Path]:
        """The recorded paths under `key` whose last component is `name` (trust nothing
        else a lock file says)."""
        value = self.record.get(key, [])
        values = value if isinstance(value, list) else [value]
        return [Path(v) for v in values if isinstance(v, str) and Path(v).name == name]

    def forget(self, unlink: bool = True) -> None:
        """Its leftovers are gone: unlink the lock file, then let the lock go. Without
        `unlink` (something could not be removed) the file stays: dead for the next."""
        if unlink:
            with contextlib.suppress(OSError):
                self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self.fd)


def find_dead(lock_dirs: list[Path], exclude: str = "") -> list[DeadInstance]:
    """Every instance in `lock_dirs` whose lock file exists and is not locked, locked
    now by us. Cheap: one open and one non-blocking flock per lock file."""
    dead: list[DeadInstance] = []
    seen: set[str] = {exclude}
    for lock_dir in lock_dirs:
        try:
            names = sorted(os.listdir(lock_dir))
        except OSError:
            continue
        for name in names:
            instance = name.removesuffix(".lock")
            if not name.endswith(".lock") or not is_instance_id(instance) or instance in seen:
                continue
            found = _lock_if_dead(lock_dir / name, instance)
            if found is not None:
                seen.add(instance)
                dead.append(found)
    return dead


def _lock_if_dead(path: Path, instance: str) -> DeadInstance | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Unlinked (and maybe claimed anew) between our open and our lock: not it.
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise OSError("replaced")
    except OSError:
        os.close(fd)
        return None
    try:
        record = json.loads(os.pread(fd, 1 << 16, 0) or b"{}")
    except ValueError:  # it died while writing it: the sweeper's own places still apply
        record = {}
    return DeadInstance(instance, path, fd, record if isinstance(record, dict) else {})
