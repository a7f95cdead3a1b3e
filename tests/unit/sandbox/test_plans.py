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
    assert "network" not in built["claimed"]  # the blank is in its namespace already
    assert "cgroup" not in built["claimed"]  # and in its cgroup
    assert built["blank"]["network"] == {"fd": 0}
    assert built["cold"]["network"] == {"fd": 1}  # after the log pipe
    assert built["cold"]["cgroup"] == {"procs": ["/cg/cgroup.procs"]}


def test_a_snapshot_keeps_the_calls_its_copies_need(plans: Plans, tmp_path: Path) -> None:
    built = _stages(plans, tmp_path)
    assert "mount" in built["cold"]["seccomp"]["deny"]
    assert "mount" not in built["snapshot"]["seccomp"]["deny"]
    assert "mount" in built["adopted"]["seccomp"]["deny"]  # refused again once adopted


def test_a_filter_is_compiled_ahead_and_loaded_by_the_last_stage(
    plans: Plans, tmp_path: Path
) -> None:
    built = _stages(plans, tmp_path)
    loaded = {stage: plan["seccomp"]["load"] for stage, plan in built.items()}
    assert loaded == {
        "cold": True,
        "blank": False,  # compiled ahead, loaded when claimed
        "claimed": True,
        "snapshot": True,
        "restore": False,  # compiled while the host adopts the copy
        "adopted": True,
    }
    # What a stage compiled ahead is what the next one loads: found compiled there.
    assert built["blank"]["seccomp"]["deny"] == built["claimed"]["seccomp"]["deny"]
    assert built["restore"]["seccomp"]["deny"] == built["adopted"]["seccomp"]["deny"]


def test_without_seccomp_no_filter_is_asked_for(tmp_path: Path) -> None:
    plans = Plans(tmp_path / "root", tmp_path / "hosts", 993, False)
    for stage, plan in _stages(plans, tmp_path).items():
        assert "seccomp" not in plan, stage
