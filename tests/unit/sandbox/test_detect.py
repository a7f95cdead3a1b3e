"""The choice of sandbox and `nubis doctor`, also where isolation is impossible."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nubis.cli.doctor import run_doctor
from nubis.sandbox import detect
from nubis.sandbox.process import ProcessSandbox

UNPRIVILEGED = [
    detect.Check("root", False, "uid 1000"),
    detect.Check("namespaces", False, "needs root"),
    detect.Check("cgroups", True, "v1"),
    detect.Check("network", False, "no pyroute2", required=False),
]


def test_without_privileges_environments_are_plain_processes_and_it_is_said(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(detect, "probe", lambda: UNPRIVILEGED)
    with caplog.at_level(logging.WARNING):
        sandbox = detect.choose("auto")
    assert isinstance(sandbox, ProcessSandbox)
    assert not sandbox.isolated
    assert "NOT isolated" in caplog.text
    assert "root: uid 1000" in caplog.text
    with pytest.raises(RuntimeError, match="isolation was required"):
        detect.choose("on")
    assert isinstance(detect.choose("off"), ProcessSandbox)

    assert run_doctor() == 1
    out = capsys.readouterr().out
    assert "NO  root" in out
    assert "will NOT be isolated" in out


def test_off_never_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> list[detect.Check]:
        raise AssertionError("probed")

    monkeypatch.setattr(detect, "probe", fail)
    assert isinstance(detect.choose("off"), ProcessSandbox)


@pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="needs root on Linux")
def test_doctor_names_what_is_missing_and_the_command_that_fixes_it(tmp_path: Path) -> None:
    # A PATH with every tool but mkfs.ext4 (and never `nft`: the network needs no binary).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("mount", "umount", "losetup", "ip"):
        if (found := shutil.which(tool)) is not None:
            (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nubis"), "doctor"],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = {line.split()[1]: line for line in done.stdout.splitlines() if line[:3].strip()}
    assert "missing: mkfs.ext4; fix: apt-get install -y e2fsprogs" in lines["tmp"], done.stdout
    assert lines["network"].startswith("ok "), done.stdout
    assert "nft" not in lines["network"].replace("no nft binary", "")
    assert done.returncode == 1
