"""Attacks from inside a function: each probe asserts what the function can see and do."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from nubis.engine.local import LocalEngine
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.linux import LinuxSandbox, _has_libseccomp
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request
from tests.unit.sandbox.helpers import needs_isolation, needs_network, run_isolated

pytestmark = needs_isolation

PROBE = """
import ctypes, errno, json, os, signal, socket

libc = ctypes.CDLL(None, use_errno=True)

def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def syscall(result):
    if result != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def handler(event, context):
    paths = event.get("paths", [])
    status = open("/proc/self/status").read()
    caps = {l.split(":")[0]: l.split()[1] for l in status.splitlines() if l.startswith("Cap")}
    nnp = [l.split()[1] for l in status.splitlines() if l.startswith("NoNewPrivs")][0]
    seccomp = [l.split()[1] for l in status.splitlines() if l.startswith("Seccomp:")][0]
    return {
        "uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(), "cwd": os.getcwd(),
        "task_root": os.environ["LAMBDA_TASK_ROOT"], "caps": caps, "no_new_privs": nnp,
        "seccomp": seccomp,
        "userns": attempt(lambda: syscall(libc.unshare(0x10000000))),
        "fork_userns": attempt(lambda: os.waitpid(os.fork() or os._exit(0), 0)),
        "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
        "root": sorted(os.listdir("/")),
        "visible": {p: os.path.exists(p) for p in paths},
        "write_code": attempt(lambda: open("/var/task/x", "w")),
        "write_etc": attempt(lambda: open("/etc/x", "w")),
        "write_tmp": attempt(lambda: open("/tmp/x", "w").write("x")),
        "mount": attempt(lambda: syscall(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))),
        "unshare": attempt(lambda: syscall(libc.unshare(0x00020000))),
        "setuid": attempt(lambda: os.setuid(0)),
        "chroot": attempt(lambda: os.chroot("/tmp")),
        "mknod": attempt(lambda: os.mknod("/tmp/sda", 0o600 | 0o060000, os.makedev(8, 0))),
        "kill_server": attempt(lambda: os.kill(event["server_pid"], 0)),
        "kill_all": attempt(lambda: os.kill(-1, 0)),
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"],
        "ptrace": attempt(lambda: syscall(libc.ptrace(16, 1, None, None))),
    }
"""


def test_a_function_sees_only_itself(make_spec: MakeSpec, tmp_path: Path) -> None:
    secret_data = tmp_path / "data" / "nubis.db"
    secret_data.parent.mkdir()
    secret_data.write_text("secret")
    other = make_spec("def handler(e, c): return 1", name="other")
    spec = make_spec(PROBE)
    paths = [str(secret_data), str(other.code_dir), str(spec.code_dir), "/work", "/run", "/home"]
    payload = json.dumps({"paths": paths, "server_pid": os.getpid()}).encode()

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        result = await engine.invoke(spec, request(spec, payload))
        assert result.function_error is None, result.payload
        seen = json.loads(result.payload)
        assert seen["uid"] != 0
        assert seen["gid"] != 0
        # Its own PID namespace: the runtime is pid 1 and no host process is visible.
        assert seen["pid"] == 1
        assert seen["processes"] == ["1"]
        assert seen["cwd"] == seen["task_root"] == "/var/task"
        assert set(seen["caps"].values()) == {"0000000000000000"}
        assert seen["no_new_privs"] == "1"
        # The data directory, other functions' code, the host's own code: none exist.
        assert not any(seen["visible"].values()), seen["visible"]
        assert "work" not in seen["root"]
        assert seen["write_code"] == "EROFS"
        assert seen["write_etc"] == "EROFS"
        assert seen["write_tmp"] == "allowed"
        # A user namespace would give it capabilities over namespaces of its own.
        for attack in ("mount", "unshare", "setuid", "chroot", "mknod", "userns"):
            assert seen[attack] == "EPERM", (attack, seen[attack])
        # The server's pid does not exist in its namespace; -1 reaches only itself.
        assert seen["kill_server"] == "ESRCH"
        assert seen["kill_all"] in ("ESRCH", "allowed")
        assert seen["ptrace"] in ("EPERM", "ESRCH")
        assert seen["runtime_api"] == "127.0.0.1:9001"
        assert seen["fork_userns"] == "allowed"  # plain forks still work
        if _has_libseccomp():
            assert seen["seccomp"] == "2"  # a filter is loaded

    run_isolated(body)


NETWORK = """
import json, os, socket

def handler(event, context):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("nubis-host", 9))
    me = s.getsockname()[0]
    s.close()
    out = {"address": me, "hosts": open("/etc/hosts").read()}
    target = event.get("target")
    if target:
        for port in (9001, 22):
            c = socket.socket()
            c.settimeout(0.5)
            try:
                c.connect((target, port))
                out[str(port)] = "connected"
            except OSError as e:
                out[str(port)] = type(e).__name__
            finally:
                c.close()
    return out
"""


@needs_network
def test_environments_cannot_reach_each_other(make_spec: MakeSpec) -> None:
    a = make_spec(NETWORK, name="a")
    b = make_spec(NETWORK, name="b")

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        first = json.loads((await engine.invoke(a, request(a))).payload)
        assert "nubis-host" in first["hosts"]
        assert first["address"].startswith(sandbox.gateway.rsplit(".", 2)[0])  # type: ignore[union-attr]
        payload = json.dumps({"target": first["address"]}).encode()
        second = json.loads((await engine.invoke(b, request(b, payload))).payload)
        assert second["address"] != first["address"]
        # Neither a's Runtime API (on a's own loopback) nor anything else of a's.
        assert second["9001"] != "connected"
        assert second["22"] != "connected"

    run_isolated(body)


def test_layers_are_read_only_at_opt(make_spec: MakeSpec, tmp_path: Path) -> None:
    opt = tmp_path / "layers"
    (opt / "python").mkdir(parents=True)
    (opt / "python" / "shared.py").write_text("VALUE = 'from a layer'\n")
    spec = dataclasses.replace(
        make_spec(
            """
            import os, shared
            def handler(event, context):
                try:
                    open("/opt/python/x", "w")
                    writable = True
                except OSError:
                    writable = False
                return {"value": shared.VALUE, "file": shared.__file__, "writable": writable}
            """
        ),
        opt_dir=opt,
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink, sandbox: LinuxSandbox) -> None:
        result = await engine.invoke(spec, request(spec))
        assert json.loads(result.payload) == {
            "value": "from a layer",
            "file": "/opt/python/shared.py",
            "writable": False,
        }

    run_isolated(body)
