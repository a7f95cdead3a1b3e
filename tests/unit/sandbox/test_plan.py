"""The sandbox plan as a contract: both sides check it against the TypedDicts of plan.py."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from nubis.sandbox import plan as contract
from nubis.sandbox.base import EnvironmentLimits
from nubis.sandbox.process import ProcessSandbox

SRC = Path(contract.__file__).resolve().parent.parent


def _zygote() -> Any:
    """The Python zygote as the engine runs it: loaded by path, confine.py and plan.py
    loaded by path by it (no Nubis imports)."""
    spec = importlib.util.spec_from_file_location("_test_zygote", SRC / "runtimes/python/zygote.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._load_plan()
    return module


def test_the_allowed_keys_are_the_typeddicts() -> None:
    assert frozenset(contract.Plan.__annotations__) == contract.KEYS
    assert contract.PORTABLE_KEYS < contract.KEYS
    assert contract.keys_of(contract.Bind) == {"source", "target", "mode"}
    assert contract.keys_of(contract.Mounts) == {"root", "base", "links", "binds", "pivot"}
    assert contract.keys_of(contract.Cgroup) == {"procs"}
    assert contract.keys_of(contract.Network) == {"fd"}
    assert contract.keys_of(contract.Seccomp) == {"deny", "load"}


def test_the_host_resources_are_records_not_flat_keys() -> None:
    """The cgroup, the network namespace and the filter are typed records of the plan,
    each checked as the rest are."""
    assert {"cgroup", "network", "seccomp"} <= contract.KEYS
    assert not {"cgroup_procs", "netns_fd", "seccomp_compile"} & contract.KEYS
    nested = contract._shape(contract.Plan).nested
    assert nested["cgroup"] == (contract.Cgroup, False)
    assert nested["network"] == (contract.Network, False)
    assert nested["seccomp"] == (contract.Seccomp, False)


def test_every_allowed_key_is_applied_by_the_inside() -> None:
    """A key in the contract that nothing applies would be accepted and ignored: an
    environment less confined than the plan says."""
    files = [*(SRC / "sandbox").glob("confine*.py"), *(SRC / "runtimes/python").glob("*.py")]
    inside = "".join(path.read_text() for path in files)
    records = (contract.Mounts, contract.Bind, contract.Link, contract.Rlimit)
    for schema in (contract.Plan, *records, contract.Cgroup, contract.Network, contract.Seccomp):
        for key in contract.keys_of(schema):
            assert f'"{key}"' in inside, key


def test_a_plan_of_every_kind_of_record_passes() -> None:
    plan: contract.Plan = {
        "pidns": True,
        "mounts": {
            "root": "/run/x",
            "base": True,
            "links": [{"target": "usr/bin", "path": "/bin"}],
            "binds": [{"source": "/srv/code", "target": "/var/task", "mode": "ro"}],
            "pivot": True,
        },
        "rlimits": [{"name": "RLIMIT_CORE", "soft": 0, "hard": 0}],
        "uid": 993,
        "cgroup": {"procs": ["/sys/fs/cgroup/x/cgroup.procs"]},
        "network": {"fd": 1},
        "seccomp": {"deny": ["ptrace", ["personality", [[0, 1, 0, 0]]]], "load": True},
    }
    contract.check(plan)
    contract.check(json.loads(json.dumps(plan)))  # as the zygote receives it


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"pivot_root": True}, "cannot apply: ['pivot_root']"),
        ({"mounts": {"root": "/r", "overlay": True}}, "mounts has steps this side cannot"),
        ({"mounts": {"binds": []}}, "mounts lacks ['root']"),
        ({"mounts": {"root": "/r", "binds": [{"source": "/a", "target": "/a"}]}}, "lacks ['mode']"),
        ({"mounts": {"root": "/r", "links": {"target": "a", "path": "b"}}}, "links is not a list"),
        ({"rlimits": [["RLIMIT_CORE", 0, 0]]}, "rlimits[0] is not an object"),
        ({"cgroup_procs": ["/cg/cgroup.procs"]}, "cannot apply: ['cgroup_procs']"),
        ({"cgroup": {"procs": ["/c"], "weight": 1}}, "cgroup has steps this side cannot"),
        ({"cgroup": ["/cg/cgroup.procs"]}, "cgroup is not an object"),
        ({"network": {}}, "network lacks ['fd']"),
        ({"netns_fd": 1}, "cannot apply: ['netns_fd']"),
        ({"seccomp": ["ptrace"]}, "seccomp is not an object"),
        ({"seccomp": {"deny": ["ptrace"]}}, "seccomp lacks ['load']"),
        ({"seccomp_compile": ["ptrace"]}, "cannot apply: ['seccomp_compile']"),
    ],
)
def test_the_applier_refuses_an_unknown_or_missing_key(
    plan: Any, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zygote = _zygote()
    confine = zygote._load_confine()
    assert confine is not None
    plan = json.loads(json.dumps(plan).replace('"/r"', json.dumps(str(tmp_path))))
    # Were a step applied after all, it would fail here instead of changing this process.
    monkeypatch.setattr(confine._sys, "libc", _NoSteps())
    for apply in (lambda: confine.apply(plan, [], []), lambda: confine.settle(plan, [])):
        with pytest.raises(ValueError, match="sandbox plan") as info:
            apply()
        assert message in str(info.value)
    with pytest.raises(ValueError, match="sandbox plan"):
        confine.detach({**plan, "userns": [0, 0]})
    with pytest.raises(ValueError, match="sandbox plan"):
        contract.check(plan)


class _NoSteps:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a step was applied: {name}")


def test_without_confine_only_the_portable_steps_are_applied() -> None:
    zygote = _zygote()
    zygote._check_plan({"rlimits": [], "cwd": "/", "env": {}, "exec": ["/x"]}, None)
    with pytest.raises(ValueError, match=r"cannot apply: \['uid'\]"):
        zygote._check_plan({"uid": 993}, None)


def test_confine_loaded_by_path_shares_the_zygotes_contract() -> None:
    zygote = _zygote()
    confine = zygote._load_confine()
    assert confine is not None
    assert confine._plan is sys.modules["_nubis_plan"]
    assert confine.KNOWN_KEYS == contract.KEYS
    # Its siblings are loaded by path with it, under private names (user code may have a
    # module of the same name), before any fork.
    for sibling in ("_sys", "_root", "_seccomp"):
        module = getattr(confine, sibling)
        assert module.__name__ == f"_nubis_confine{sibling}"
        assert sys.modules[module.__name__] is module


def test_the_zygote_loads_its_siblings_by_path_before_any_fork() -> None:
    """What a fork needs is loaded with the zygote, under private names: a fork (a cold
    start) imports none of it again, and user code may have modules of those names."""
    zygote = _zygote()
    here = SRC / "runtimes/python"
    for name, path in (
        ("_nubis_fork_server", "fork_server.py"),
        ("_nubis_snapshot", "snapshot.py"),
    ):
        module = sys.modules[name]
        assert Path(module.__file__).resolve() == here / path
    assert zygote._snapshot is sys.modules["_nubis_snapshot"]
    assert zygote._check_plan is sys.modules["_nubis_fork_server"].check_plan


def test_the_process_sandbox_builds_only_portable_keys(tmp_path: Path) -> None:
    sandbox = ProcessSandbox()
    limits = EnvironmentLimits(128, 512, tmp_path)

    async def plans() -> list[Any]:
        return [
            (await sandbox.prepare("e1", limits)).plan,
            (await sandbox.prepare_restore("e2", limits)).plan,
            (await sandbox.adopt("e2", 1)).plan,
        ]

    for plan in asyncio.run(plans()):
        contract.check(plan, contract.PortablePlan)
