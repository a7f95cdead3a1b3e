"""Instance liveness (`nubis/sandbox/instances.py`) with real processes: alive while the
owner lives, proven dead only by an unheld lock file, one sweeper at a time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from nubis.sandbox.cgroups import mounts
from nubis.sandbox.instances import Instance, find_dead
from nubis.sandbox.linux import LinuxSandbox, LinuxSandboxSettings
from tests.unit.sandbox.helpers import DISK_DIR, RUN_DIR, leftovers, needs_isolation

OWNER = """
import sys, time
from pathlib import Path
from nubis.sandbox.instances import Instance
instance = Instance(lambda _: False, Path(sys.argv[1]))
instance.record(run_dir="/nowhere/" + instance.id)
print(instance.id, flush=True)
time.sleep(600)
"""


def _owner(lock_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(lock_dir)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def test_alive_while_the_owner_lives_dead_after_kill_9(tmp_path: Path) -> None:
    proc, instance = _owner(tmp_path)
    try:
        assert find_dead([tmp_path]) == []  # held by a live process
        assert json.loads((tmp_path / f"{instance}.lock").read_text())["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    (dead,) = find_dead([tmp_path])
    assert dead.id == instance
    assert dead.paths("run_dir", instance) == [Path(f"/nowhere/{instance}")]
    assert dead.paths("run_dir", "other") == []  # only paths named after it are trusted
    assert find_dead([tmp_path]) == []  # a second sweeper leaves it to the first
    dead.forget()
    assert not (tmp_path / f"{instance}.lock").exists()


def test_ids_are_unique_and_not_taken_while_a_lock_file_exists(tmp_path: Path) -> None:
    taken = {"dead"}  # pretend-leftovers: never chosen
    first = Instance(lambda i: i in taken, tmp_path)
    second = Instance(lambda i: i in taken, tmp_path)
    try:
        assert first.id != second.id
        assert (tmp_path / f"{first.id}.lock").exists()
        assert find_dead([tmp_path]) == []  # ours: locked
    finally:
        first.release()
        second.release()
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_kept_after_a_failed_sweep_is_dead_for_the_next(tmp_path: Path) -> None:
    proc, instance = _owner(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    (dead,) = find_dead([tmp_path])
    dead.forget(unlink=False)
    (again,) = find_dead([tmp_path])
    assert again.id == instance
    again.forget()


def test_no_lock_file_is_no_proof_of_death(tmp_path: Path) -> None:
    (tmp_path / "abcd").mkdir()  # something named after an id, without its lock file
    (tmp_path / "not-an-id.lock").write_text("")
    assert find_dead([tmp_path]) == []


@needs_isolation
def test_close_unmounts_a_disk_its_owner_never_gave_back() -> None:
    sandbox = LinuxSandbox(
        LinuxSandboxSettings(run_dir=RUN_DIR, disk_dir=DISK_DIR, keep_ready=1, network=False)
    )
    try:
        disks = sandbox._disks
        assert disks is not None
        lost = disks.make(512)  # mounted, and never released nor discarded
        assert any(point == str(lost.mount_point) for point, *_ in mounts())
    finally:
        sandbox.close()
    assert leftovers(sandbox.instance) == []
