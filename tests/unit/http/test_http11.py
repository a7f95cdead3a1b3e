"""nubis.http11 against raw sockets: the HTTP/1.1 behaviour its clients rely on."""

from __future__ import annotations

import asyncio
import socket

from nubis.http11 import HttpLimits, HttpServer, Request, Response


async def _echo(request: Request) -> Response:
    if request.path == "/slow":
        await asyncio.sleep(0.05)
    body = b"too large" if request.body_too_large else request.body
    headers = {"X-Path": request.path, "X-Query": request.query_string}
    return Response(200, headers, body)


async def _exchange(port: int, data: bytes, until: int) -> bytes:
    """Send raw bytes, read until `until` responses have arrived (or EOF)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    got = b""
    while got.count(b"HTTP/1.1 ") < until or not _complete(got):
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        if not chunk:
            break
        got += chunk
    writer.close()
    await writer.wait_closed()
    return got


def _complete(data: bytes) -> bool:
    head, sep, rest = data.rpartition(b"\r\n\r\n")
    if not sep:
        return False
    length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    return not length or len(rest) >= int(length[-1].split(b":")[1])


def _run(scenario: object) -> None:
    async def main() -> None:
        server = HttpServer(_echo, max_body=10)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        await server.listen(sock)
        try:
            await scenario(port)  # type: ignore[operator]
        finally:
            await server.close()
            await server.close()  # idempotent

    asyncio.run(main())


def test_pipelined_requests_are_answered_in_order() -> None:
    async def scenario(port: int) -> None:
        data = (
            b"GET /slow?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        )
        got = await _exchange(port, data, 2)
        first, second = got.index(b"X-Path: /slow"), got.index(b"X-Path: /fast")
        assert first < second
        assert b"X-Query: a=1" in got
        assert got.endswith(b"hello")

    _run(scenario)


def test_chunked_body_and_expect_continue() -> None:
    async def scenario(port: int) -> None:
        data = (
            b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Expect: 100-continue\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )
        got = await _exchange(port, data, 2)
        assert got.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")
        assert got.endswith(b"abcde")

    _run(scenario)


def test_body_over_the_limit_reaches_the_handler_flagged() -> None:
    async def scenario(port: int) -> None:
        data = b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n" + b"x" * 20
        got = await _exchange(port, data, 1)
        assert got.startswith(b"HTTP/1.1 200 OK")
        assert got.endswith(b"too large")

    _run(scenario)


def test_garbage_gets_400_and_close() -> None:
    async def scenario(port: int) -> None:
        got = await _exchange(port, b"NOT HTTP AT ALL\r\n\r\n", 1)
        assert got.startswith(b"HTTP/1.1 400 Bad Request")
        assert b"Connection: close" in got

    _run(scenario)


def test_connection_close_is_honoured() -> None:
    async def scenario(port: int) -> None:
        data = b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        got = await _exchange(port, data, 1)
        assert b"Connection: close" in got

    _run(scenario)


def test_hold_pipelined_sends_an_answer_with_the_next_one() -> None:
    async def answers_in_first_read(hold: bool) -> int:
        server = HttpServer(_echo, max_body=10, hold_pipelined=hold)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        await server.listen(sock)
        try:
            reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            writer.write(
                b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
                b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            first = await asyncio.wait_for(reader.read(65536), 5)
            writer.close()
            await writer.wait_closed()
            return first.count(b"HTTP/1.1 200 OK")
        finally:
            await server.close()

    async def main() -> None:
        # /slow takes 50 ms. Held, the answer to /fast leaves in the same write as the
        # answer to /slow; otherwise it leaves at once, alone.
        assert await answers_in_first_read(hold=True) == 2
        assert await answers_in_first_read(hold=False) == 1

    asyncio.run(main())


def test_pipelined_bodies_are_bounded_per_connection() -> None:
    """A client pipelining large bodies behind a slow request is read only until about
    two bodies' worth (plus one read) waits; then reading pauses until it is answered."""
    max_body, body = 100_000, b"x" * 90_000
    release = asyncio.Event()

    async def handler(request: Request) -> Response:
        await release.wait()
        return Response(200, {}, b"ok")

    async def main() -> None:
        server = HttpServer(handler, max_body=max_body)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        await server.listen(sock)
        try:
            reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            head = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
            writer.write((head + body) * 20)
            for _ in range(1000):  # the server reads what it will, then pauses
                if any(c._reading_paused for c in server.connections):
                    break
                await asyncio.sleep(0.01)
            [conn] = server.connections
            assert conn._queued_bytes <= 2 * max_body + 256 * 1024
            release.set()
            got = b""
            while got.count(b"HTTP/1.1 200 OK") < 20:
                got += await asyncio.wait_for(reader.read(65536), 5)
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()

    asyncio.run(main())


def test_head_limits_and_timeouts_are_per_server() -> None:
    async def main() -> None:
        limits = HttpLimits(max_request_line=100, max_header=50, header_timeout_s=0.2)
        server = HttpServer(_echo, max_body=10, limits=limits)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        await server.listen(sock)
        try:
            long_line = b"GET /" + b"a" * 200 + b" HTTP/1.1\r\n\r\n"
            assert (await _exchange(port, long_line, 1)).startswith(b"HTTP/1.1 414 ")
            big_field = b"GET / HTTP/1.1\r\nX: " + b"a" * 60 + b"\r\n\r\n"
            assert (await _exchange(port, big_field, 1)).startswith(b"HTTP/1.1 431 ")
            slow = b"GET / HTTP/1.1\r\nHost: x\r\n"
            assert (await _exchange(port, slow, 1)).startswith(b"HTTP/1.1 408 ")
        finally:
            await server.close()

    asyncio.run(main())
