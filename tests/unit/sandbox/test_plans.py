"""The Linux sandbox's plan builder writes only what the contract allows, in each stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nubis.sandbox import plan as contract
from nubis.sandbox.base import EnvironmentLimits
from nubis.sandbox.paths import ISOLATED
from nubis.sandbox.plans import Plans

SDK = (("/srv/venv/boto3", "/var/runtime/boto3"),)


@pytest.fixture
def plans(tmp_path: Path) -> Plans:
    return Plans(tmp_path / "root", tmp_path / "hosts", 993, True, (("/srv/ca", "/etc/ca"),))


def _stages(plans: Plans, tmp_path: Path) -> dict[str, contract.Plan]:
    limits = EnvironmentLimits(128, 512, tmp_path / "code", tmp_path / "opt", SDK)
    snapshot = EnvironmentLimits(128, 512, tmp_path / "code", snapshot=True)
    return {
        "cold": plans.environment(limits, "/run/tmp/1", ["/cg/cgroup.procs"]),
        "blank": plans.blank(["/cg/cgroup.procs"], SDK),
        "claimed": plans.environment(limits, "/run/tmp/2", None, frozenset({"/var/runtime/boto3"})),
        "snapshot": plans.environment(snapshot, "/run/tmp/3", ["/cg/cgroup.procs"]),
        "restore": plans.restore(),
        "adopted": plans.adopted(),
    }


def test_every_stage_has_only_allowed_keys(plans: Plans, tmp_path: Path) -> None:
    for stage, plan in _stages(plans, tmp_path).items():
        assert set(plan) <= contract.KEYS, stage
        contract.check(json.loads(json.dumps(plan)))  # as the zygote receives it


def test_the_stages_split_the_root_as_confine_expects(plans: Plans, tmp_path: Path) -> None:
    built = _stages(plans, tmp_path)
    blank, claimed, cold = (
        built["blank"]["mounts"],
        built["claimed"]["mounts"],
        built["cold"]["mounts"],
    )
    assert blank["base"]
    assert "pivot" not in blank
    assert "base" not in claimed
    assert claimed["pivot"]
    assert [b["target"] for b in claimed["binds"]] == ["/var/task", "/opt", "/tmp"]
    assert [b["target"] for b in cold["binds"]][-4:] == [
        "/var/task",
        "/opt",
        "/var/runtime/boto3",
        "/tmp",
    ]
    assert "/etc/ca" in [b["target"] for b in blank["binds"]]  # the sandbox's own binds
    assert built["cold"]["cwd"] == ISOLATED.task_root
    assert "netns_fd" not in built["claimed"]  # the blank is in its namespace already
    assert built["blank"]["netns_fd"] == 0
    assert built["cold"]["netns_fd"] == 1  # after the log pipe


def test_a_snapshot_keeps_the_calls_its_copies_need(plans: Plans, tmp_path: Path) -> None:
    built = _stages(plans, tmp_path)
    assert "mount" in built["cold"]["seccomp"]
    assert "mount" not in built["snapshot"]["seccomp"]
    assert "mount" in built["adopted"]["seccomp"]  # refused again once adopted


def test_without_seccomp_no_filter_is_asked_for(tmp_path: Path) -> None:
    plans = Plans(tmp_path / "root", tmp_path / "hosts", 993, False)
    for stage, plan in _stages(plans, tmp_path).items():
        assert "seccomp" not in plan, stage
        assert "seccomp_compile" not in plan, stage
