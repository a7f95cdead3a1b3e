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

Limits (`HttpLimits`), answered before any handler runs and followed by a close, as
AWS's HTTP front ends do (their published HTTP/1.1 limits are 16 KB for the request
line, 16 KB for one header and 64 KB for all of them): a request line over the limit →
414, one header or all of them over theirs → 431, a head or body that stops arriving →
408, a keep-alive connection idle too long is closed. A head is counted as it arrives,
so a 64 MB header costs at most the limit plus one read, never 64 MB. One connection
holds at most the request being handled, one more being read, and whatever one read
(≤ 256 KB) carried: reading pauses while queued requests exceed `max_pipelined` or
their bodies exceed the body limit. No timer runs while a handler works (the Runtime
API's `/next` long-polls for as long as the environment waits for an event).

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
    408: "Request Timeout",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
# Bodies beyond this many times the limit are not even drained: the connection closes.
_DRAIN_FACTOR = 4


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """What one connection may send. Timeouts of None never fire: the defaults suit a
    peer that may be frozen mid-request (an environment's runtime); the Lambda API's
    listener gets timeouts from `nubis serve`."""

    max_request_line: int = 16 * 1024  # the request target (URL) → 414 beyond
    max_header: int = 16 * 1024  # one header field, name and value → 431 beyond
    max_headers: int = 64 * 1024  # the whole head → 431 beyond
    header_timeout_s: float | None = None  # first byte of a head to its end → 408
    body_timeout_s: float | None = None  # longest silence while a body arrives → 408
    idle_timeout_s: float | None = None  # keep-alive connection without a request → closed
    max_pipelined: int = 8  # requests queued behind the one being handled


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
    one after another, so responses leave in request order.

    Timer invariant: at most one timer runs, chosen by `_arm()` from the state: a head
    being read (header timeout, from its first byte), a body being read (body timeout,
    from the last byte), nothing pending and no handler working (idle timeout), or a
    handler working with nothing partial (no timer)."""

    def __init__(self, server: HttpServer) -> None:
        self._server = server
        self._handler = server.handler
        self._max_body = server.max_body
        self._limits = server.limits
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._queue: deque[tuple[Request, bool]] = deque()
        self._queued_bytes = 0  # body bytes held by the queue
        self._worker: asyncio.Task[None] | None = None
        self._reading_paused = False
        self._close_when_done = False
        self._failed = False
        self._timer: asyncio.TimerHandle | None = None
        self._timer_kind = ""
        self._completed = 0  # requests parsed on this connection
        self._loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self._loop.create_future()
        self._reset()

    def _reset(self) -> None:
        self._url = b""
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._size = 0
        self._in_head = True  # until on_headers_complete
        self._head_fields = 0  # bytes of this head's complete header fields
        self._head_reads = 0  # bytes of the reads that carried only this head so far
        self._started = False  # a byte of this request has arrived

    # --- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._server.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        self._queue.clear()
        self._disarm()
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self._failed:
            return
        self._started = True
        completed = self._completed
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400)
        except httptools.HttpParserError:
            self._fail(400)
        if self._failed:
            return
        # httptools gathers a header field internally until it ends: count the reads of a
        # head that is still incomplete, so a huge field is refused as it arrives. A read
        # that also finished an earlier request is not counted (its share is unknown):
        # that over-admits by at most one read.
        if self._in_head and completed == self._completed:
            self._head_reads += len(data)
            if self._head_reads > self._limits.max_headers + self._limits.max_request_line:
                self._fail(431)
                return
        self._arm()

    # --- httptools callbacks

    def on_message_begin(self) -> None:
        self._started = True

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self._limits.max_request_line:
            self._fail(414)
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        size = len(name) + len(value) + 4  # ": " and CRLF
        self._head_fields += size
        if size > self._limits.max_header or self._head_fields > self._limits.max_headers:
            self._fail(431)
            raise _Refused
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._in_head = False
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
            raise _Refused

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
        self._completed += 1
        self._queue.append((request, keep_alive))
        self._queued_bytes += len(request.body)
        if self._worker is None:
            self._worker = self._loop.create_task(self._work())
        elif self._over_budget() and self._transport is not None and not self._reading_paused:
            # A client pipelining far ahead waits until we catch up.
            self._transport.pause_reading()
            self._reading_paused = True

    def _over_budget(self) -> bool:
        return len(self._queue) > self._limits.max_pipelined or (
            len(self._queue) > 1 and self._queued_bytes > self._max_body
        )

    # --- timers

    def _arm(self) -> None:
        """Start the one timer the state calls for (see the class docstring)."""
        limits = self._limits
        if self._started and self._in_head:
            kind, delay = "head", limits.header_timeout_s
        elif self._started:
            kind, delay = "body", limits.body_timeout_s
        elif self._worker is None and not self._queue:
            kind, delay = "idle", limits.idle_timeout_s
        else:
            kind, delay = "", None
        if kind == self._timer_kind and kind != "body":
            return  # a head's deadline runs from its first byte; idle from its start
        self._disarm()
        if delay is not None and self._transport is not None:
            self._timer_kind = kind
            self._timer = self._loop.call_later(delay, self._expire, kind)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_kind = None, ""

    def _expire(self, kind: str) -> None:
        self._timer, self._timer_kind = None, ""
        if kind == "idle":
            self.close()
        else:
            self._fail(408)

    # --- handling

    async def _work(self) -> None:
        held = b""  # responses held back to leave with the next one (see HttpServer)
        try:
            while self._queue:
                request, keep_alive = self._queue.popleft()
                self._queued_bytes -= len(request.body)
                self._arm()  # a handler works: no idle timer meanwhile
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
                if self._reading_paused and not self._over_budget():
                    self._reading_paused = False
                    transport.resume_reading()
        finally:
            self._worker = None
            if self._transport is not None:
                self._arm()

    def _fail(self, status: int) -> None:
        """Answer `status` and close: the request cannot be read any further."""
        self._failed = True
        self._disarm()
        if self._transport is not None and not self._transport.is_closing():
            body = _REASONS.get(status, "").encode()
            response = Response(status, {"Content-Type": "text/plain"}, body)
            self._transport.write(encode_response(response, keep_alive=False))
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


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request already answered."""


class HttpServer:
    """Serves `handler` on one listening socket. Owns the socket and its connections."""

    def __init__(
        self,
        handler: Handler,
        max_body: int,
        hold_pipelined: bool = False,
        limits: HttpLimits | None = None,
    ) -> None:
        """`limits`: sizes and timeouts per connection (`HttpLimits()` when None).
        `hold_pipelined`: when a client has already sent its next request, hold the
        current response back and send it together with the next one. One write and one
        wake-up of the client instead of two; right only where the client has nothing to
        do between the two answers (a runtime that pipelined its result with its next
        `/next`), since the first answer waits as long as the second takes."""
        self.handler = handler
        self.max_body = max_body
        self.hold_pipelined = hold_pipelined
        self.limits = limits or HttpLimits()
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
