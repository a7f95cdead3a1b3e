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
asking for events, serves `serve_snapshot` on that socket (the same protocol: "ready"
once, then per request one "forked" with a pidfd or an "error", and "exited" reports):

    engine -> snapshot {"restore": true, "plan": {...}}  + log pipe, control socket, fds
    restored -> engine {"settled": true}                 (on the control socket)
    engine -> restored {"env": {...}, "plan": {...}}     (on the control socket: go)

A *blank* is forked ahead of time and applies the first stage of its sandbox plan (the
slow part: entering a new cgroup costs a kernel RCU grace period, ~10 ms), then waits on
its control socket; a cold start then only sends it the function's part.

End of file on the socket (the engine closed it or died) makes the zygote kill the
environments it forked and exit, so nothing outlives the server.

The child of a fork: new session, default signal handlers, the log pipe as fd 1 and 2,
the function's environment, the code directory as cwd and first on sys.path, the sandbox
plan applied, then the bootstrap's main loop; it never returns into the zygote's code.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any

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

_MAX_MESSAGE = 1 << 20
_MAX_FDS = 8
_BOOTSTRAP_NAME = "_nubis_bootstrap"  # a private name: user code may have a `bootstrap`
_CONFINE_NAME = "_nubis_confine"
_PLAN_NAME = "_nubis_plan"  # confine.py finds it under this name
# The Linux sandbox's zygote side (nubis/sandbox/confine.py) and the plan's keys
# (nubis/sandbox/plan.py): stdlib only, loaded by path.
_SANDBOX_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
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


def _load_bootstrap() -> Any:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
    return _load(_BOOTSTRAP_NAME, path)


def _load_plan() -> Any:
    """The plan's contract (keys and `check`): needed with or without confine.py."""
    return _load(_PLAN_NAME, os.path.normpath(_PLAN_PATH))


def _load_confine() -> Any:
    """The sandbox's zygote side, or None where it is not installed (or not Linux)."""
    try:
        return _load(_CONFINE_NAME, os.path.normpath(_CONFINE_PATH))
    except (OSError, AttributeError):
        return None


def _send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


def _check_plan(plan: dict[str, Any], confine: Any) -> None:
    """Never run an environment less confined than the engine asked for. confine.py's
    entry points check the whole contract themselves, before any step; without it only
    the portable steps (rlimits, cwd, env, exec, snapshot_fd) can be applied."""
    if confine is None:
        contract = sys.modules[_PLAN_NAME]
        contract.check(plan, contract.PortablePlan)


def _apply_plan(plan: dict[str, Any], fds: list[int], confine: Any) -> None:
    """Apply the sandbox plan (see nubis/sandbox/base.py) inside the new environment."""
    if confine is not None:
        # The interpreter's installation must stay visible inside a new root.
        interpreter = [sys.base_prefix, sys.prefix, os.path.dirname(sys.executable)]
        confine.apply(plan, fds, interpreter)
    elif plan.get("rlimits"):
        import resource

        for limit in plan["rlimits"]:
            resource.setrlimit(getattr(resource, limit["name"]), (limit["soft"], limit["hard"]))


def _leave_fork_server(sock: socket.socket, wakeup: tuple[int, int]) -> None:
    """In a fresh fork of a fork server (the zygote, a SnapStart snapshot): drop what
    belongs to the server and start a session of its own."""
    # Ordering: undo the server's signal setup first, so that a SIGCHLD of the
    # function's own subprocesses is not swallowed and they can be waited for.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sock.close()
    os.close(wakeup[0])
    os.close(wakeup[1])
    # Own session and process group: the engine kills the whole group at the end.
    os.setsid()


def _log_to(log_fd: int) -> None:
    """The environment's log pipe becomes its stdout and stderr."""
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)


def _become_environment(
    sock: socket.socket,
    wakeup: tuple[int, int],
    request: dict[str, Any],
    fds: list[int],
    boot: Any,
    confine: Any,
    ctl: socket.socket | None = None,
) -> None:
    """Runs in the forked child; never returns. With `ctl`, a blank: apply the first stage
    of the plan, then wait for the environment's request on `ctl`."""
    code = 1
    try:
        _leave_fork_server(sock, wakeup)
        if ctl is not None:
            first = request.get("plan") or {}
            _check_plan(first, confine)
            _apply_plan(first, fds, confine)
            data, fds, _, _ = socket.recv_fds(ctl, _MAX_MESSAGE, _MAX_FDS)
            ctl.close()
            if not data:  # the engine let this blank go
                os._exit(0)
            request = json.loads(data)
        _log_to(fds[0])
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
            code = boot.main(snapshot=lambda: serve_snapshot(snapshot, confine)) or 0
        else:
            code = boot.main() or 0
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


def _reap(sock: socket.socket, children: set[int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send(sock, {"exited": pid, "status": status})


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
    # Everything imported so far lives as long as the zygote: move it out of the cyclic
    # GC's reach so that collections in children do not touch (and copy) these pages.
    gc.collect()
    gc.freeze()

    # SIGCHLD wakes the select loop through a pipe; children are reaped there and their
    # exit status is reported, so the zygote never keeps zombies.
    wakeup = os.pipe()
    os.set_blocking(wakeup[0], False)
    os.set_blocking(wakeup[1], False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: set[int] = set()
    _send(sock, {"ready": os.getpid()})
    try:
        while True:
            readable, _, _ = select.select([sock.fileno(), wakeup[0]], [], [])
            if wakeup[0] in readable:
                while True:
                    try:
                        if not os.read(wakeup[0], 512):
                            break
                    except BlockingIOError:
                        break
                _reap(sock, children)
            if sock.fileno() in readable:
                data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, _MAX_FDS)
                if not data:
                    return  # the engine is gone
                request = json.loads(data)
                sys.stdout.flush()
                sys.stderr.flush()
                new_pidns = bool((request.get("plan") or {}).get("pidns")) and pidns is not None
                ctl = None
                if request.get("blank"):
                    ctl = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                pid = -1
                try:
                    if new_pidns:
                        assert pidns is not None
                        pidns.enter()
                    try:
                        pid = os.fork()
                    finally:
                        if pidns is not None and new_pidns and pid != 0:
                            pidns.leave()
                except OSError as e:
                    for fd in fds:
                        os.close(fd)
                    if ctl is not None:
                        ctl[0].close()
                        ctl[1].close()
                    _send(sock, {"error": f"fork failed: {e}"})
                    continue
                if pid == 0:
                    if ctl is not None:
                        ctl[0].close()
                    _become_environment(
                        sock, wakeup, request, fds, boot, confine, ctl[1] if ctl else None
                    )
                for fd in fds:
                    os.close(fd)
                children.add(pid)
                # The pidfd is opened before the next waitpid() of this loop, so it
                # refers to this child even if it has already exited (no pid reuse race).
                pidfd = os.pidfd_open(pid)
                try:
                    _send(sock, {"forked": pid}, [pidfd, ctl[0].fileno()] if ctl else [pidfd])
                finally:
                    os.close(pidfd)
                    if ctl is not None:
                        ctl[0].close()
                        ctl[1].close()
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        # Reap them here: left to the reparenting they could stay zombies where pid 1
        # does not reap.
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _restore_child(
    sock: socket.socket,
    wakeup: tuple[int, int],
    request: dict[str, Any],
    fds: list[int],
    confine: Any,
) -> None:
    """In the restored copy (pid 1 of its new namespaces): settle, report, wait for the
    engine's go, lock down. Returns into the bootstrap, which serves invocations."""
    _leave_fork_server(sock, wakeup)
    _log_to(fds[0])
    ctl = socket.socket(fileno=fds[1])
    plan = request.get("plan") or {}
    if confine is not None and plan:
        confine.settle(plan, fds[2:])
    ctl.send(json.dumps({"settled": True}).encode())
    data = ctl.recv(_MAX_MESSAGE)
    ctl.close()
    if not data:  # the engine gave up on this one
        os._exit(0)
    go = json.loads(data)
    second = go.get("plan") or {}
    _check_plan(second, confine)
    _apply_plan(second, [], confine)
    os.environ.update(go.get("env") or {})


class _Pending:
    """A restore request whose middle process has not reported its copy yet."""

    __slots__ = ("copy", "done", "fds", "pidfd", "report")

    def __init__(self, report: int, fds: list[int]) -> None:
        self.report = report  # read end of the middle's pipe (non-blocking)
        self.fds = fds
        self.copy = -1
        self.pidfd = -1
        self.done = False

    def collect(self) -> None:
        """Read the middle's report if it is there."""
        try:
            got = os.read(self.report, 4)
        except BlockingIOError:
            return
        self.done = True
        os.close(self.report)
        if len(got) == 4:
            self.copy = int.from_bytes(got, "little")
            # Opened before any waitpid() can reap the copy: it refers to this copy even
            # if it has exited already.
            self.pidfd = os.pidfd_open(self.copy)


def serve_snapshot(sock: socket.socket, confine: Any) -> None:
    """Run by an initialised SnapStart environment: fork a restored copy of this process
    per request. Returns only in a copy, ready to serve; the snapshot itself stays here
    until the engine closes the socket, and then exits with every copy (it is their
    PID namespace's init: when it ends, the kernel kills them).

    Requests overlap: while one middle process makes its copy's namespaces, the next
    request is forked already; replies still go out in request order."""
    gc.collect()
    gc.freeze()  # what init made stays shared with the copies
    wakeup = os.pipe()
    os.set_blocking(wakeup[0], False)
    os.set_blocking(wakeup[1], False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: set[int] = set()
    pending: collections.deque[_Pending] = collections.deque()
    _send(sock, {"ready": os.getpid()})
    while True:
        waiting = [p.report for p in pending if not p.done]
        readable, _, _ = select.select([sock.fileno(), wakeup[0], *waiting], [], [])
        # Reports before reaping: a copy can be reaped here only after its middle
        # exited, which is after it wrote its report.
        for entry in pending:
            if not entry.done and (entry.report in readable or wakeup[0] in readable):
                entry.collect()
        if wakeup[0] in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(wakeup[0], 512):
                    pass
            _reap(sock, children)
        while pending and pending[0].done:
            entry = pending.popleft()
            for fd in entry.fds:
                os.close(fd)
            if entry.pidfd < 0:
                _send(sock, {"error": "the restored environment could not be made"})
                continue
            children.add(entry.copy)
            try:
                _send(sock, {"forked": entry.copy}, [entry.pidfd])
            finally:
                os.close(entry.pidfd)
        if sock.fileno() not in readable:
            continue
        data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, _MAX_FDS)
        if not data:
            os._exit(0)  # the engine is gone: so are the copies (see above)
        request = json.loads(data)
        sys.stdout.flush()
        sys.stderr.flush()
        report_r, report_w = os.pipe()
        try:
            middle = os.fork()
        except OSError as e:
            for fd in (*fds, report_r, report_w):
                os.close(fd)
            if pending:  # keep the order: fail it after those before it
                entry = _Pending(report_r, [])
                entry.done = True
                pending.append(entry)
            else:
                _send(sock, {"error": f"fork failed: {e}"})
            continue
        if middle == 0:
            # The middle process makes the namespaces, forks the copy into them, exits.
            try:
                os.close(report_r)
                for other in pending:
                    if not other.done:
                        os.close(other.report)
                plan = request.get("plan") or {}
                if confine is not None and plan:
                    confine.detach(plan)
                copy = os.fork()
                if copy == 0:
                    os.close(report_w)
                    try:
                        _restore_child(sock, wakeup, request, fds, confine)
                    except BaseException:
                        traceback.print_exc()
                        os._exit(1)
                    return
                os.write(report_w, copy.to_bytes(4, "little"))
            except BaseException:
                traceback.print_exc()
            os._exit(0)
        os.close(report_w)
        os.set_blocking(report_r, False)
        pending.append(_Pending(report_r, fds))


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
