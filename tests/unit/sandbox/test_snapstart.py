"""SnapStart in the sandbox: restored environments are forks of the version's snapshot,
and each is confined exactly like an ordinary environment."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re

import pytest

from nubis.engine.local import LocalEngine
from nubis.model.function import FunctionSpec
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox import plans
from nubis.sandbox.linux import LinuxSandbox, _has_libseccomp
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, until
from tests.unit.sandbox.helpers import needs_isolation, needs_network, run_isolated
from tests.unit.sandbox.test_escape import NETWORK, PROBE

pytestmark = needs_isolation

HOOKS = """
import uuid
from snapshot_restore_py import register_after_restore, register_before_snapshot

INIT_ID = uuid.uuid4().hex  # made by init: the same in every restored copy
EVENTS = []

@register_before_snapshot
def first_registered():
    EVENTS.append(("before", "first", os.getpid()))

@register_before_snapshot
def second_registered():
    EVENTS.append(("before", "second", os.getpid()))
    open("/tmp/written-by-init", "w").write("x")

@register_after_restore
def after():
    EVENTS.append(("after", "only", os.getpid()))

_probe = handler

def handler(event, context):
    seen = _probe(event, context)
    for name in event.get("create", []):
        open(f"/tmp/{name}", "w").write("x")
    st = os.statvfs("/tmp")
    seen.update(
        events=EVENTS, init_id=INIT_ID, fresh=uuid.uuid4().hex,
        tmp=sorted(n for n in os.listdir("/tmp") if n != "lost+found"),
        tmp_mb=st.f_blocks * st.f_frsize >> 20,
        init_type=os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
        hostname=socket.gethostname(),
    )
    if event.get("hold"):
        import time
        time.sleep(event["hold"])
    if event.get("mb"):
        seen["hog"] = len(bytearray(event["mb"] << 20))
    return seen
"""


def _published(spec: FunctionSpec, **changes: object) -> FunctionSpec:
    return dataclasses.replace(spec, version="1", snap_start=True, **changes)  # type: ignore[arg-type]


async def _snapshot(engine: LocalEngine, spec: FunctionSpec) -> None:
    engine.prepare_snapstart(spec)  # what PublishVersion does
    await until(lambda: engine.snapstart_ready(spec) == 1, limit_s=30)
    # The snapshot and one environment restored from it ahead of time.
    await until(lambda: engine.environment_count(spec.function_name) == 2, limit_s=10)


def _event(**fields: object) -> bytes:
    return json.dumps({"server_pid": 1 << 22, **fields}).encode()


def _restore_ms(tail: str | None) -> float:
    report = next(line for line in (tail or "").splitlines() if line.startswith("REPORT"))
    assert "Init Duration" not in report
    return float(re.findall(r"Restore Duration: ([\d.]+) ms", report)[0])


def test_a_restored_environment_is_confined_like_any_other(make_spec: MakeSpec) -> None:
    spec = _published(make_spec(PROBE + HOOKS))
    payload = json.dumps({"paths": ["/work", "/run"], "server_pid": 1 << 22}).encode()

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        await _snapshot(engine, spec)
        result = await engine.invoke(spec, request(spec, payload, tail=True))
        assert result.function_error is None, result.payload
        assert _restore_ms(result.log_tail) > 0
        seen = json.loads(result.payload)
        assert seen["uid"] == seen["gid"] == 993
        assert seen["pid"] == 1
        assert seen["processes"] == ["1"]  # not the snapshot, not other copies
        assert set(seen["caps"].values()) == {"0000000000000000"}
        assert seen["no_new_privs"] == "1"
        for attack in ("mount", "unshare", "chroot", "mknod", "userns"):
            assert seen[attack] == "EPERM", (attack, seen[attack])
        # uid 0 does not exist in its user namespace (only 993 is mapped).
        assert seen["setuid"] == "EINVAL"
        if _has_libseccomp():
            assert seen["seccomp"] == "2"
        assert not any(seen["visible"].values())
        assert seen["write_code"] == "EROFS"
        assert seen["runtime_api"] == "127.0.0.1:9001"
        assert seen["hostname"] == "localhost"
        assert seen["init_type"] == "snap-start"
        # Hooks: before the snapshot in reverse order of registration (in the snapshot
        # process), after the restore in this copy, which is pid 1 of its namespace.
        assert [e[:2] for e in seen["events"]] == [
            ["before", "second"],
            ["before", "first"],
            ["after", "only"],
        ]
        assert seen["events"][2][2] == 1
        # Its /tmp is its own and empty: what init wrote stays in the snapshot's.
        assert seen["tmp"] == ["x"]  # the probe's own write
        assert 400 <= seen["tmp_mb"] <= 512

    run_isolated(body)


def test_copies_restored_at_once_share_init_but_nothing_else(make_spec: MakeSpec) -> None:
    spec = _published(make_spec(PROBE + HOOKS))

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        await _snapshot(engine, spec)
        results = await asyncio.gather(
            *(
                engine.invoke(
                    spec,
                    request(spec, _event(create=[name], hold=0.3), tail=True),
                )
                for name in ("a", "b", "c")
            )
        )
        # The snapshot, the copy restored ahead, two forked on demand (and maybe, already,
        # the next one restored ahead).
        assert engine.environment_count(spec.function_name) in (4, 5)
        seen = [json.loads(r.payload) for r in results]
        for result in results:
            assert result.function_error is None, result.payload
            assert _restore_ms(result.log_tail) > 0
        assert len({s["init_id"] for s in seen}) == 1  # one init, forked three times
        assert len({s["fresh"] for s in seen}) == 3  # but their randomness is their own
        assert sorted(s["tmp"] for s in seen) == [["a", "x"], ["b", "x"], ["c", "x"]]
        assert all(s["processes"] == ["1"] for s in seen)

    run_isolated(body)


def test_memory_exhausted_in_a_copy_kills_only_that_copy(make_spec: MakeSpec) -> None:
    spec = _published(make_spec(PROBE + HOOKS), memory_mb=128)

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        await _snapshot(engine, spec)
        killed = await engine.invoke(spec, request(spec, _event(mb=400)))
        error = json.loads(killed.payload)
        assert error["errorType"] == "Runtime.ExitError"
        assert error["errorMessage"].endswith("Runtime exited with error: signal: killed")
        assert engine.snapstart_ready(spec) == 1  # the snapshot is unharmed
        again = await engine.invoke(spec, request(spec, _event(mb=16), tail=True))
        assert again.function_error is None, again.payload
        assert _restore_ms(again.log_tail) > 0

    run_isolated(body)


@needs_network
def test_a_copy_has_its_own_network(make_spec: MakeSpec) -> None:
    spec = _published(make_spec(NETWORK))
    other = make_spec(NETWORK, name="other")

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        plain = json.loads((await engine.invoke(other, request(other))).payload)
        await _snapshot(engine, spec)
        payload = json.dumps({"target": plain["address"]}).encode()
        result = await engine.invoke(spec, request(spec, payload, tail=True))
        assert _restore_ms(result.log_tail) > 0
        seen = json.loads(result.payload)
        assert "nubis-host" in seen["hosts"]
        assert seen["address"] != plain["address"]
        assert seen["address"].startswith(sandbox.gateway.rsplit(".", 2)[0])  # type: ignore[union-attr]
        assert seen["9001"] != "connected"  # not the other environment's Runtime API

    run_isolated(body)


@pytest.mark.skipif(not _has_libseccomp(), reason="needs libseccomp to refuse unshare")
def test_where_the_copy_cannot_make_namespaces_cold_starts_run_init(
    make_spec: MakeSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a kernel that refuses unprivileged user namespaces (`nubis doctor` says so):
    here the snapshot's own seccomp filter makes the kernel refuse its copies' unshare."""
    monkeypatch.setattr(plans, "RESTORE_CALLS", ())
    spec = _published(make_spec(PROBE + HOOKS))

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        engine.prepare_snapstart(spec)
        await until(lambda: engine.snapstart_ready(spec) == 1, limit_s=30)
        result = await engine.invoke(spec, request(spec, _event(), tail=True))
        assert result.function_error is None, result.payload
        report = next(line for line in (result.log_tail or "").splitlines() if "REPORT" in line)
        assert "Init Duration" in report
        assert "Restore Duration" not in report
        again = await engine.invoke(spec, request(spec, _event(hold=0.1)))
        assert again.function_error is None
        assert engine.snapstart_ready(spec) == 0  # given up: no snapshot kept for nothing

    run_isolated(body)
