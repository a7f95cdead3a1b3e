"""A small, fast HTTP/1.1 server: httptools parses, an asyncio Protocol does the rest.

Shared by the Lambda API (`nubis.api`) and every environment's Runtime API
(`nubis.engine.runtime_api`); like `model`, it knows nothing of Nubis's concepts. It
exists because a Lambda invocation is three HTTP exchanges (client → API, runtime's
`/next` answered, runtime's `/response`), so per-request overhead is the invoke cost
(see docs/benchmarks.md); a general framework spent ~3x more CPU per exchange here.

What it does: keep-alive, pipelined requests answered in order, `Content-Length` and
chunked request bodies, `Expect: 100-continue`, a body-size limit that still lets the
handler answer (the body is dropped, `Request.body_too_large` set), and connections
closed on `close()`. Every response carries `Content-Length`; no chunked responses.

What it does not: TLS, HTTP/2, upgrades, streaming bodies.

Lifetime rules: a handler that is running when its client disconnects is not
cancelled (an invocation continues, as in Lambda); its response is dropped. `close()`
stops listening and closes every connection; it is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httptools

log = logging.getLogger(__name__)

_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
# Bodies beyond this many times the limit are not even drained: the connection closes.
_DRAIN_FACTOR = 4


@dataclass(slots=True)
class Request:
    method: str
    path: str  # as sent: percent-encoded, without the query
    query_string: str
    headers: dict[str, str]  # names lower-cased; a repeated header keeps the last value
    body: bytes
    body_too_large: bool = False
    host: str = ""  # the Host header, for URLs handed back to the client


@dataclass(slots=True)
class Response:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


Handler = Callable[[Request], Awaitable[Response]]


def encode_response(response: Response, keep_alive: bool) -> bytes:
    status = response.status
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body if response.body else head


class _Connection(asyncio.Protocol):
    """One client connection. Requests are parsed as bytes arrive and handled strictly
    one after another, so responses leave in request order."""

    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._handler = server.handler
        self._max_body = server.max_body
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._queue: deque[tuple[Request, bool]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._reading_paused = False
        self._close_when_done = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reset()

    def _reset(self) -> None:
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._size = 0

    # --- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._server.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        self._queue.clear()
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400)
        except httptools.HttpParserError:
            self._fail(400)

    # --- httptools callbacks

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        if self._headers.get("expect", "").lower() == "100-continue":
            length = int(self._headers.get("content-length", "0") or 0)
            if length <= self._max_body and self._transport is not None:
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size <= self._max_body:
            self._body.append(body)
        elif self._size > self._max_body * _DRAIN_FACTOR:
            self._fail(413)

    def on_message_complete(self) -> None:
        url = httptools.parse_url(self._url)
        too_large = self._size > self._max_body
        request = Request(
            method=self._parser.get_method().decode("ascii"),
            path=url.path.decode("latin-1"),
            query_string=url.query.decode("latin-1") if url.query else "",
            headers=self._headers,
            body=b"" if too_large else b"".join(self._body),
            body_too_large=too_large,
            host=self._headers.get("host", ""),
        )
        keep_alive = self._parser.should_keep_alive()
        self._reset()
        self._queue.append((request, keep_alive))
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())
        elif len(self._queue) > 8 and self._transport is not None:
            # A client pipelining far ahead waits until we catch up.
            self._transport.pause_reading()
            self._reading_paused = True

    # --- handling

    async def _work(self) -> None:
        held = b""  # responses held back to leave with the next one (see HttpServer)
        try:
            while self._queue:
                request, keep_alive = self._queue.popleft()
                try:
                    response = await self._handler(request)
                except Exception:
                    log.exception("unhandled error answering %s %s", request.method, request.path)
                    response = Response(500, {"Content-Type": "text/plain"}, b"internal error")
                transport = self._transport
                if transport is None or transport.is_closing():
                    return
                data = encode_response(response, keep_alive)
                if self._server.hold_pipelined and self._queue and keep_alive:
                    held += data
                    continue
                transport.write(held + data if held else data)
                held = b""
                if not keep_alive or self._close_when_done:
                    transport.close()
                    return
                if self._reading_paused and len(self._queue) <= 1:
                    self._reading_paused = False
                    transport.resume_reading()
        finally:
            self._worker = None

    def _fail(self, status: int) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode_response(Response(status), keep_alive=False))
            self._transport.close()

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def close_when_done(self) -> None:
        """Close after the response being prepared has been written."""
        self._close_when_done = True

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class HttpServer:
    """Serves `handler` on one listening socket. Owns the socket and its connections."""

    def __init__(self, handler: Handler, max_body: int, hold_pipelined: bool = False) -> None:
        """`hold_pipelined`: when a client has already sent its next request, hold the
        current response back and send it together with the next one. One write and one
        wake-up of the client instead of two; right only where the client has nothing to
        do between the two answers (a runtime that pipelined its result with its next
        `/next`), since the first answer waits as long as the second takes."""
        self.handler = handler
        self.max_body = max_body
        self.hold_pipelined = hold_pipelined
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    async def listen(self, sock: socket.socket) -> None:
        """Serve on an already bound and listening socket (ownership passes to us)."""
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), sock=sock)

    async def listen_tcp(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), host, port, reuse_address=True, backlog=1024
        )

    async def close(self, grace: float = 0.0) -> None:
        """Stop listening and close every connection. Connections whose handler is running
        get up to `grace` seconds to write its response first. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        busy = [c for c in self.connections if c.busy]
        for conn in self.connections - set(busy):
            conn.close()
        if busy and grace > 0:
            for conn in busy:
                conn.close_when_done()
            await asyncio.wait([c.closed for c in busy], timeout=grace)
        for conn in list(self.connections):
            conn.close()
        await server.wait_closed()
