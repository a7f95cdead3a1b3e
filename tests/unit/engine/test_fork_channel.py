"""The engine's end of a fork server's socket, against a fork server played by the test."""

from __future__ import annotations

import asyncio
import json
import os
import socket

from nubis.engine.zygote import ForkChannel


def test_an_exit_reported_with_its_fork_reaches_the_owner_after_the_fork() -> None:
    """A child that ends at once is reported in the same batch as its "forked": its exit
    must reach the owner after the owner learnt the pid (else the status is dropped and
    the invocation says `exit status unknown`)."""
    registered: set[int] = set()
    delivered: list[tuple[int, int, bool]] = []

    def on_exit(pid: int, status: int) -> None:
        delivered.append((pid, status, pid in registered))

    async def main() -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        channel = ForkChannel("test fork server", on_exit, lambda _: None)
        ready = channel._attach(ours)
        theirs.send(json.dumps({"ready": os.getpid()}).encode())
        await ready

        async def owner() -> None:
            pid, fds = await channel._request({"env": {}}, [])
            registered.add(pid)  # what LocalEngine does with a new environment's pid
            for fd in fds:
                os.close(fd)

        task = asyncio.ensure_future(owner())
        await asyncio.sleep(0)  # it sends its request
        assert json.loads(theirs.recv(1 << 16)) == {"env": {}}
        pidfd = os.pidfd_open(os.getpid())  # any pidfd will do: the owner only closes it
        try:
            # Both before the engine reads: one batch for its reader.
            socket.send_fds(theirs, [json.dumps({"forked": 4242}).encode()], [pidfd])
            theirs.send(json.dumps({"exited": 4242, "status": 512}).encode())
            theirs.send(json.dumps({"exited": 4343, "status": 0}).encode())  # not forked now
        finally:
            os.close(pidfd)
        await task
        await asyncio.sleep(0)
        theirs.close()
        await asyncio.sleep(0)  # the end of file: the channel lets its socket go

    asyncio.run(main())
    assert sorted(delivered) == [(4242, 512, True), (4343, 0, False)]
