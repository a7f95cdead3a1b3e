"""A sweep deletes only interfaces named exactly as Nubis names them after a dead
instance: `nb<inst>` and `nb<inst><hex counter>`, never another interface that merely
starts with "nb" and the dead id."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from nubis.sandbox import network

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/sys/class/net").is_dir(), reason="needs root on Linux"
)


def _links() -> set[str]:
    return set(os.listdir("/sys/class/net"))


def _dead_id() -> str:
    """An instance id nothing on this host uses."""
    while True:
        inst = secrets.token_hex(2)
        if (
            not any(name.startswith(f"nb{inst}") for name in _links())
            and not Path(f"/run/nubis-instances/{inst}.lock").exists()
        ):
            return inst


def test_sweep_deletes_only_its_own_names_of_a_dead_instance() -> None:
    dead = _dead_id()
    own = {f"nb{dead}", f"nb{dead}00001"}
    foreign = {f"nb{dead}x", f"nb{dead}zz000", f"nb{dead}0001"}
    made: list[str] = []
    try:
        for name in sorted(own | foreign):
            subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
            made.append(name)
        swept = network.sweep(lambda inst: inst != dead)
        left = _links()
        assert own.isdisjoint(left)
        assert foreign <= left
        assert set(swept) >= own
        assert set(swept).isdisjoint(foreign)
    finally:
        for name in made:
            subprocess.run(["ip", "link", "del", name], check=False, capture_output=True)
