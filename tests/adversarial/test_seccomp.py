"""Kernel interfaces refused inside environments (seccomp), and what a SnapStart
snapshot's init may do beyond an ordinary environment: only what restoring needs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.linux import LinuxSandbox, _has_libseccomp
from tests.unit.engine.conftest import MakeSpec, make_spec
from tests.unit.engine.helpers import request, until
from tests.unit.sandbox.helpers import needs_isolation, run_isolated

__all__ = ["make_spec"]
pytestmark = [
    needs_isolation,
    pytest.mark.skipif(not _has_libseccomp(), reason="no libseccomp: no syscall filter"),
]

# Raw system calls with harmless arguments: refused (EPERM) before the kernel looks at
# them, or failing later for another reason (which would mean the filter let them in).
CALLS = """
import ctypes, errno, os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
U = ctypes.c_ulong
buf = ctypes.create_string_buffer(256)
CALLS = {  # x86_64 numbers
    "io_uring_setup": (425, U(1), buf),
    "io_uring_enter": (426, U(0), U(1), U(0), U(0), U(0), U(0)),
    "io_uring_register": (427, U(0), U(0), U(0), U(0)),
    "perf_event_open": (298, buf, U(0), ctypes.c_long(-1), ctypes.c_long(-1), U(0)),
    "userfaultfd": (323, U(0)),
    "kcmp": (312, U(1), U(1), U(0), U(0), U(0)),
    "personality ADDR_NO_RANDOMIZE": (135, U(0x0040000)),
    "personality query": (135, U(0xFFFFFFFF)),
    "mbind": (237, U(0), U(0), U(0), U(0), U(0), U(0)),
    "name_to_handle_at": (303, U(0), U(0), U(0), U(0), U(0)),
    "acct": (163, U(0)),
    "settimeofday": (164, U(0), U(0)),
}

def call(nr, *args):
    if libc.syscall(nr, *args) >= 0:
        return "allowed"
    return errno.errorcode[ctypes.get_errno()]

def results():
    return {name: call(*args) for name, args in CALLS.items()}
"""

ORDINARY = (
    CALLS
    + """
def handler(event, context):
    return results()
"""
)


def test_io_uring_perf_events_and_others_are_refused(make_spec: MakeSpec) -> None:
    spec = make_spec(ORDINARY)

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        result = await engine.invoke(spec, request(spec))
        assert result.function_error is None, result.payload
        seen = json.loads(result.payload)
        assert seen.pop("personality query") == "allowed"
        assert seen == dict.fromkeys(seen, "EPERM")

    run_isolated(body)


# What a snapshot's init tries, in a child so that the snapshot itself stays as it was.
SNAPSHOT_INIT = (
    CALLS
    + """
NEWUSER, NEWNS, NEWNET, NEWPID, NEWIPC, NEWUTS = (
    0x10000000, 0x20000, 0x40000000, 0x20000000, 0x08000000, 0x04000000)
RESTORE = NEWUSER | NEWNS | NEWNET | NEWPID | NEWIPC | NEWUTS

def attempt(result):
    return "allowed" if result == 0 else errno.errorcode[ctypes.get_errno()]

def in_child(fn):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, fn().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return f.read()

def restore_like():
    steps = [attempt(libc.unshare(RESTORE))]
    steps.append(attempt(libc.mount(None, b"/", None, 0x4000 | 0x40000, None)))
    # what the kernel lets any user namespace mount (docs/isolation.md#snapstart)
    steps.append(attempt(libc.mount(b"x", b"/tmp", b"tmpfs", 0xE, None)))
    return ",".join(steps)

def after_unshare(fn):
    def run():
        if libc.unshare(RESTORE) != 0:
            return "unshare " + errno.errorcode[ctypes.get_errno()]
        libc.mount(None, b"/", None, 0x4000 | 0x40000, None)
        return fn()
    return run

INIT = {
    "unshare user namespace alone": in_child(lambda: attempt(libc.unshare(NEWUSER))),
    "unshare user and mount": in_child(lambda: attempt(libc.unshare(NEWUSER | NEWNS))),
    "unshare as a restore does": in_child(restore_like),
    "mount tmpfs with options": in_child(after_unshare(lambda: attempt(
        libc.mount(b"x", b"/tmp", b"tmpfs", 0xE, b"size=1m")))),
    "bind mount": in_child(after_unshare(lambda: attempt(
        libc.mount(b"/etc", b"/tmp", None, 0x1000, None)))),
    "remount": in_child(after_unshare(lambda: attempt(
        libc.mount(None, b"/", None, 0x20 | 0x1000, None)))),
    "mount shared": in_child(after_unshare(lambda: attempt(
        libc.mount(None, b"/", None, 1 << 20, None)))),
    "umount": in_child(after_unshare(lambda: attempt(libc.umount2(b"/tmp", 2)))),
    **{f"init: {name}": value for name, value in results().items()},
}

def handler(event, context):
    return {"init": INIT, "copy": results()}
"""
)


def test_a_snapshot_may_only_do_what_restoring_needs(make_spec: MakeSpec) -> None:
    spec = dataclasses.replace(make_spec(SNAPSHOT_INIT), version="1", snap_start=True)

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        engine.prepare_snapstart(spec)
        await until(lambda: engine.snapstart_ready(spec) == 1, limit_s=30)
        result = await engine.invoke(spec, request(spec))
        assert result.function_error is None, result.payload
        seen = json.loads(result.payload)
        init = seen["init"]
        # The one thing beyond an ordinary environment: the namespaces a restore makes,
        # private mounts and option-less nosuid/nodev/noexec mounts in them.
        assert init.pop("unshare as a restore does") == "allowed,allowed,allowed"
        assert init.pop("init: personality query") == "allowed"
        assert init == dict.fromkeys(init, "EPERM"), init
        copy = seen["copy"]
        assert copy.pop("personality query") == "allowed"
        assert copy == dict.fromkeys(copy, "EPERM")

    run_isolated(body)
