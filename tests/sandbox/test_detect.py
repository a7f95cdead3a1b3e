"""The choice of sandbox and `nubis doctor`, also where isolation is impossible."""

from __future__ import annotations

import logging

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
