"""The Python zygote: a warm interpreter that forks new execution environments.

Run by the engine as `python3.X -I zygote.py <fd>`; standard library only, no Nubis
imports. `<fd>` is one end of a SOCK_SEQPACKET socketpair (one message per datagram):

    zygote -> engine  {"ready": <zygote pid>}                       once, after preloading
    engine -> zygote  {"env": {...}, "cwd": "...", "plan": {...}}   + the log pipe fd
    zygote -> engine  {"forked": <pid>}  + a pidfd of the child       (one per request, FIFO)
                      {"error": "..."}                                 (fork failed)
    zygote -> engine  {"exited": <pid>, "status": <wait status>}     whenever a child ends
    engine -> zygote  {"blank": true, "plan": {...}}  + the sandbox's fds
    zygote -> engine  {"forked": <pid>}  + a pidfd and a control socket of the child
    engine -> child   {"env": ..., "cwd": ..., "plan": ...}  + the log pipe fd   (on the
                      control socket: the blank becomes an environment)

SnapStart: an environment whose plan has "snapshot_fd" runs its init, then, instead of
asking for events, serves restores on that socket (`snapshot.py`: the same protocol).

A *blank* is forked ahead of time and applies the first stage of its sandbox plan (the
slow part: entering a new cgroup costs a kernel RCU grace period, ~10 ms), then waits on
its control socket; a cold start then only sends it the function's part.

End of file on the socket (the engine closed it or died) makes the zygote kill the
environments it forked and exit, so nothing outlives the server.

Its siblings, loaded by path before anything is forked (each under a private name: user
code may have a module of the same name): `fork_server.py` (the loop this zygote and a
snapshot share), `snapshot.py`, `bootstrap.py`, and the sandbox's `plan.py` and
`confine.py` (with confine's own siblings). A fork imports none of them again.

The child of a fork: new session, default signal handlers, the log pipe as fd 1 and 2,
the function's environment, the code directory as cwd and first on sys.path, the sandbox
plan applied, then the bootstrap's main loop; it never returns into the zygote's code.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import socket
import sys
import traceback
from typing import Any, NoReturn

# Modules most functions import: importing them here means every environment starts with
# them loaded and their pages shared copy-on-write. Keep the zygote lean: a bigger zygote
# forks slower (DESIGN.md measures 1.25 ms at 28 MB vs 5 ms at 253 MB).
_PRELOAD = (
    "base64",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "email.parser",
    "functools",
    "hashlib",
    "http.client",
    "importlib",
    "json",
    "resource",
    "logging",
    "random",
    "re",
    "traceback",
    "typing",
    "urllib.parse",
    "uuid",
)

_HERE = os.path.dirname(os.path.abspath(__file__))
_BOOTSTRAP_NAME = "_nubis_bootstrap"  # a private name: user code may have a `bootstrap`
_CONFINE_NAME = "_nubis_confine"
_PLAN_NAME = "_nubis_plan"  # confine.py finds it under this name
# The Linux sandbox's zygote side (nubis/sandbox/confine.py) and the plan's keys
# (nubis/sandbox/plan.py): stdlib only, loaded by path.
_SANDBOX_DIR = os.path.join(_HERE, os.pardir, os.pardir)
_CONFINE_PATH = os.path.join(_SANDBOX_DIR, "sandbox", "confine.py")
_PLAN_PATH = os.path.join(_SANDBOX_DIR, "sandbox", "plan.py")


def _load(name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# Loaded with this file (snapshot.py finds fork_server.py in sys.modules).
_forks = _load("_nubis_fork_server", os.path.join(_HERE, "fork_server.py"))
_snapshot = _load("_nubis_snapshot", os.path.join(_HERE, "snapshot.py"))
_check_plan = _forks.check_plan
_apply_plan = _forks.apply_plan


def _load_bootstrap() -> Any:
    return _load(_BOOTSTRAP_NAME, os.path.join(_HERE, "bootstrap.py"))


def _load_plan() -> Any:
    """The plan's contract (keys and `check`): needed with or without confine.py."""
    return _load(_PLAN_NAME, os.path.normpath(_PLAN_PATH))


def _load_confine() -> Any:
    """The sandbox's zygote side, or None where it is not installed (or not Linux)."""
    try:
        return _load(_CONFINE_NAME, os.path.normpath(_CONFINE_PATH))
    except (OSError, AttributeError):
        return None


def serve(sock: socket.socket) -> None:
    boot = _load_bootstrap()
    _load_plan()  # before confine.py, which uses it
    confine = _load_confine()
    pidns = confine.PidNamespace() if confine is not None else None
    for name in _PRELOAD:
        importlib.import_module(name)
    # A process's first name lookup loads the C library's resolver modules and reads its
    # configuration (≈ 9 ms on a slow host); done here, every environment inherits it and
    # a function's first connection (boto3 to nubis-host, say) costs ≈ 0.5 ms.
    with contextlib.suppress(OSError):
        socket.getaddrinfo("localhost", 80, 0, socket.SOCK_STREAM)
    server = _forks.ForkServer(sock)
    server.start()
    try:
        while True:
            readable = server.wait()
            server.reap(readable)
            if server.requested(readable):
                request, fds = server.receive()
                if request is None:
                    return  # the engine is gone
                _fork_one(server, request, fds, boot, confine, pidns)
    finally:
        server.kill_children()


def _fork_one(
    server: Any, request: dict[str, Any], fds: list[int], boot: Any, confine: Any, pidns: Any
) -> None:
    """Fork one environment (or a blank) and answer with its pid and pidfd."""
    new_pidns = bool((request.get("plan") or {}).get("pidns")) and pidns is not None
    ctl = None
    if request.get("blank"):
        ctl = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = _fork(pidns if new_pidns else None)
    except OSError as e:
        for fd in fds:
            os.close(fd)
        if ctl is not None:
            ctl[0].close()
            ctl[1].close()
        server.send({"error": f"fork failed: {e}"})
        return
    if pid == 0:
        if ctl is not None:
            ctl[0].close()
        _become_environment(server, request, fds, boot, confine, ctl[1] if ctl else None)
    for fd in fds:
        os.close(fd)
    server.children.add(pid)
    # The pidfd is opened before the next waitpid() of the loop, so it refers to this
    # child even if it has already exited (no pid reuse race).
    pidfd = os.pidfd_open(pid)
    try:
        server.send({"forked": pid}, [pidfd, ctl[0].fileno()] if ctl else [pidfd])
    finally:
        os.close(pidfd)
        if ctl is not None:
            ctl[0].close()
            ctl[1].close()


def _fork(pidns: Any) -> int:
    """os.fork(); with `pidns`, into a new PID namespace (the child is its pid 1)."""
    if pidns is None:
        return os.fork()
    pidns.enter()
    pid = -1
    try:
        pid = os.fork()
    finally:
        if pid != 0:
            pidns.leave()
    return pid


def _become_environment(
    server: Any,
    request: dict[str, Any],
    fds: list[int],
    boot: Any,
    confine: Any,
    ctl: socket.socket | None = None,
) -> NoReturn:
    """Runs in the forked child; never returns. With `ctl`, a blank: apply the first stage
    of the plan, then wait for the environment's request on `ctl`."""
    code = 1
    try:
        server.leave()
        if ctl is not None:
            request, fds = _claimed(ctl, request, fds, confine)
        code = _run_environment(request, fds, boot, confine)
    except SystemExit as e:  # sys.exit() in user code ends the environment with that code
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _claimed(
    ctl: socket.socket, blank: dict[str, Any], fds: list[int], confine: Any
) -> tuple[dict[str, Any], list[int]]:
    """A blank: the first stage of its plan now, then (request, fds) of the environment
    it becomes, sent on `ctl` when it is claimed."""
    first = blank.get("plan") or {}
    _check_plan(first, confine)
    _apply_plan(first, fds, confine)
    data, fds, _, _ = socket.recv_fds(ctl, _forks.MAX_MESSAGE, _forks.MAX_FDS)
    ctl.close()
    if not data:  # the engine let this blank go
        os._exit(0)
    request: dict[str, Any] = json.loads(data)
    return request, fds


def _run_environment(request: dict[str, Any], fds: list[int], boot: Any, confine: Any) -> int:
    """Confine this child as its plan says, become the function's process (or exec
    another runtime) and run the bootstrap's main loop; its exit code."""
    _forks.log_to(fds[0])
    plan = request.get("plan") or {}
    _check_plan(plan, confine)
    snapshot = None
    if "snapshot_fd" in plan:
        snapshot = socket.socket(fileno=fds[int(plan["snapshot_fd"])])
    # The plan first: it changes what paths mean (a new root, /var/task).
    _apply_plan(plan, fds, confine)
    env = dict(request["env"])
    env.update(plan.get("env") or {})
    os.environ.clear()
    os.environ.update(env)
    import time

    time.tzset()
    cwd = plan.get("cwd") or request["cwd"]
    os.chdir(cwd)
    if plan.get("exec"):
        # Another runtime (a `provided` bootstrap, Node.js): it replaces this process.
        argv = [str(a) for a in plan["exec"]]
        os.execve(argv[0], argv, env)
    # Lambda's order: the code directory first, then PYTHONPATH (which -I ignored).
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[0:0] = [cwd, *extra]
    if snapshot is not None:
        serve = _snapshot.serve_snapshot
        return int(boot.main(snapshot=lambda: serve(snapshot, confine)) or 0)
    return int(boot.main() or 0)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(sock)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the engine is gone
    finally:
        sock.close()


if __name__ == "__main__":
    main()
