"""The Linux sandbox's plans hold only keys of the contract (plan.py), in each stage."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from nubis.sandbox import plan as contract
from nubis.sandbox.base import EnvironmentLimits
from nubis.sandbox.linux import LinuxSandbox, LinuxSandboxSettings
from tests.unit.sandbox.helpers import DISK_DIR, NETWORK, RUN_DIR, leftovers, needs_isolation


@needs_isolation
def test_every_plan_the_linux_sandbox_builds_is_in_the_contract(tmp_path: Path) -> None:
    sandbox = LinuxSandbox(
        LinuxSandboxSettings(run_dir=RUN_DIR, disk_dir=DISK_DIR, keep_ready=1, network=NETWORK)
    )
    limits = EnvironmentLimits(128, 512, tmp_path, tmp_path, (("/etc/hostname", "/x/h"),))

    async def plans() -> dict[str, contract.Plan]:
        cold = await sandbox.prepare("cold", limits)
        reservation = None
        deadline = time.monotonic() + 10
        while reservation is None and time.monotonic() < deadline:
            reservation = sandbox.reserve((("/etc/hostname", "/x/h"),))
            await asyncio.sleep(0.05)
        assert reservation is not None
        claimed = await sandbox.prepare("claimed", limits, reservation)
        restore = await sandbox.prepare_restore("restore", limits)
        return {
            "cold": cold.plan,
            "blank": reservation.plan,
            "claimed": claimed.plan,
            "restore": restore.plan,
        }

    try:
        built = asyncio.run(plans())
    finally:
        for env_id in ("cold", "claimed", "restore"):
            sandbox.release(env_id)
        sandbox.close()
    assert leftovers(sandbox.instance) == []
    for stage, plan in built.items():
        contract.check(json.loads(json.dumps(plan)))  # as the zygote receives it
        assert set(plan) <= contract.KEYS, stage
    # The stages split the root as confine.py expects: the common part first, the
    # function's part (its code, its /tmp) and the pivot with the claim.
    assert built["blank"]["mounts"]["base"]
    assert "pivot" not in built["blank"]["mounts"]
    assert "base" not in built["claimed"]["mounts"]
    targets = [b["target"] for b in built["claimed"]["mounts"]["binds"]]
    assert targets == ["/var/task", "/opt", "/tmp"]  # /x/h: bound by the blank already
    cold_targets = [b["target"] for b in built["cold"]["mounts"]["binds"]]
    assert cold_targets[-4:] == ["/var/task", "/opt", "/x/h", "/tmp"]
