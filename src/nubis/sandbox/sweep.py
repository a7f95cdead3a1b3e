"""Removing what sandbox instances that died without `close()` left behind.

Only instances proven dead by `instances.find_dead` (their lock file exists and nobody
holds it; we hold it while we sweep) are touched, and of each only what is named after
it: cgroups `nubis-<id>` (where this process makes its own and where the dead one
recorded its own), mounts and images under `<run_dir>/<id>` and `<disk_dir>/<id>`,
interfaces `nb<id>…` and nft tables `nubis-<id>` (`network.sweep`, asked with a liveness
callable that is False for exactly these ids). Its processes are killed with their
cgroups (`cgroups.destroy`: one pass per instance, frozen ones included). The lock file
goes last, so the id cannot be claimed anew while anything of it remains (and stays
if a cgroup could not be removed: the next start tries again).

Runs in a thread of its own (`LinuxSandbox` starts it and `close()` waits for it): a
crashed server's frozen environments must not delay the next server's API.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from nubis.sandbox import cgroups, network
from nubis.sandbox import disks as disk_pool
from nubis.sandbox.instances import DeadInstance

log = logging.getLogger(__name__)


def sweep(dead: list[DeadInstance], run_dir: Path, disk_dir: Path) -> list[str]:
    """Remove the leftovers of `dead` (all locked by us) and forget them. Never raises."""
    swept: list[str] = []
    done: set[str] = set()
    try:
        for instance in dead:
            groups, removed = _processes_and_cgroups(instance)
            swept += removed
            swept += _files(instance, run_dir, disk_dir)
            if not any(group.exists() for group in groups):
                done.add(instance.id)
            else:  # a process that would not die (stuck in the kernel): keep its lock file
                log.warning("instance %s: cgroups left, retried at the next start", instance.id)
        ids = {d.id for d in dead}
        if ids:
            swept += network.sweep(lambda instance: instance not in ids)
    except Exception:
        log.exception("sweeping what dead instances left failed")
    finally:
        for instance in dead:
            instance.forget(unlink=instance.id in done)
    if swept:
        log.warning("removed what a previous server left behind: %s", ", ".join(swept))
    return swept


def _processes_and_cgroups(dead: DeadInstance) -> tuple[list[Path], list[str]]:
    """(its parent groups, those removed)."""
    name = cgroups.PREFIX + dead.id
    recorded = [p for p in dead.paths("cgroups", name) if (p / "cgroup.procs").exists()]
    groups = sorted({*cgroups.instance_groups(dead.id), *recorded})
    return groups, cgroups.destroy(groups)


def _files(dead: DeadInstance, run_dir: Path, disk_dir: Path) -> list[str]:
    runs = _unique([run_dir / dead.id, *dead.paths("run_dir", dead.id)])
    images = _unique([disk_dir / dead.id, *dead.paths("disk_dir", dead.id)])
    swept: list[str] = []
    for run in runs:
        for image_dir in images:
            swept += disk_pool.sweep(run / "tmp", image_dir)
    for path in (*runs, *images):
        if path.exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(path)
                swept.append(str(path))
    return swept


def _unique(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
