"""SnapStart in the runtime: an initialised environment serves restored copies of itself.

Standard library only, no Nubis imports; loaded by path by zygote.py (as
`_nubis_snapshot`, after `fork_server.py`, which it finds there) before anything is
forked. The protocol on the snapshot's socket is the zygote's ("ready" once, then per
request one "forked" with a pidfd or an "error", and "exited" reports; see zygote.py):

    engine -> snapshot {"restore": true, "plan": {...}}  + log pipe, control socket, fds
    restored -> engine {"settled": true}                 (on the control socket)
    engine -> restored {"env": {...}, "plan": {...}}     (on the control socket: go)

Per request a *middle* process makes the copy's namespaces (`confine.detach`), forks
the copy into them (pid 1 of its new PID namespace) and exits; the copy `settle`s, says
so, waits for the engine's go and gives up what it held to settle.
"""

from __future__ import annotations

import collections
import json
import os
import socket
import sys
import traceback
from typing import Any

_forks: Any = sys.modules["_nubis_fork_server"]  # loaded by zygote.py before this file


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
    server = _forks.ForkServer(sock)
    server.start()  # what init made stays shared with the copies
    pending: collections.deque[_Pending] = collections.deque()
    while True:
        readable = server.wait([p.report for p in pending if not p.done])
        # Reports before reaping: a copy can be reaped here only after its middle
        # exited, which is after it wrote its report.
        for entry in pending:
            if not entry.done and (entry.report in readable or server.signalled(readable)):
                entry.collect()
        server.reap(readable)
        _answer(server, pending)
        if not server.requested(readable):
            continue
        request, fds = server.receive()
        if request is None:
            os._exit(0)  # the engine is gone: so are the copies (see above)
        if _restore_one(server, pending, request, fds, confine):
            return  # in the restored copy


def _answer(server: Any, pending: collections.deque[_Pending]) -> None:
    """Reply for the requests whose middles reported, in request order."""
    while pending and pending[0].done:
        entry = pending.popleft()
        for fd in entry.fds:
            os.close(fd)
        if entry.pidfd < 0:
            server.send({"error": "the restored environment could not be made"})
            continue
        server.children.add(entry.copy)
        try:
            server.send({"forked": entry.copy}, [entry.pidfd])
        finally:
            os.close(entry.pidfd)


def _restore_one(
    server: Any,
    pending: collections.deque[_Pending],
    request: dict[str, Any],
    fds: list[int],
    confine: Any,
) -> bool:
    """Fork the middle process of one request; True only in the restored copy."""
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
            server.send({"error": f"fork failed: {e}"})
        return False
    if middle == 0:
        return _middle(server, pending, request, fds, confine, (report_r, report_w))
    os.close(report_w)
    os.set_blocking(report_r, False)
    pending.append(_Pending(report_r, fds))
    return False


def _middle(
    server: Any,
    pending: collections.deque[_Pending],
    request: dict[str, Any],
    fds: list[int],
    confine: Any,
    report: tuple[int, int],
) -> bool:
    """The middle process: makes the namespaces, forks the copy into them, reports the
    copy's pid and exits. Returns (True) only in the copy."""
    try:
        os.close(report[0])
        for other in pending:
            if not other.done:
                os.close(other.report)
        plan = request.get("plan") or {}
        if confine is not None and plan:
            confine.detach(plan)
        copy = os.fork()
        if copy == 0:
            os.close(report[1])
            try:
                _restore_child(server, request, fds, confine)
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            return True
        os.write(report[1], copy.to_bytes(4, "little"))
    except BaseException:
        traceback.print_exc()
    os._exit(0)


def _restore_child(server: Any, request: dict[str, Any], fds: list[int], confine: Any) -> None:
    """In the restored copy (pid 1 of its new namespaces): settle, report, wait for the
    engine's go, lock down. Returns into the bootstrap, which serves invocations."""
    server.leave()
    _forks.log_to(fds[0])
    ctl = socket.socket(fileno=fds[1])
    plan = request.get("plan") or {}
    if confine is not None and plan:
        confine.settle(plan, fds[2:])
    ctl.send(json.dumps({"settled": True}).encode())
    data = ctl.recv(_forks.MAX_MESSAGE)
    ctl.close()
    if not data:  # the engine gave up on this one
        os._exit(0)
    go = json.loads(data)
    second = go.get("plan") or {}
    _forks.check_plan(second, confine)
    _forks.apply_plan(second, [], confine)
    os.environ.update(go.get("env") or {})
