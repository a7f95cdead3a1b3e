"""The Runtime API of one execution environment, served on its own listening socket.

The socket identifies the environment: no environment id appears in URLs, so the
listener can later move into the environment's network namespace at 127.0.0.1:9001
unchanged. Keep-alive HTTP/1.1 through `nubis.http11` (one exchange here costs a few
tens of microseconds; two of the three exchanges of an invocation are on this API).

States of the runtime, as Lambda's RAPID tracks them:

    init ──first GET /next──▶ idle ◀──POST response|error── busy
      │                        └──────dispatch + GET /next──────▲
      └──POST /init/error──▶ failed

Misuse is answered like Lambda: 403 InvalidStateTransition for a call the state does
not allow, 400 InvalidRequestID for a request id that is not the current invocation's,
404/405 for unknown paths and methods, 413 for a response over the payload limit (the
invocation then fails with Function.ResponseSizeTooLarge).
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass

from nubis.engine import runtime_api_constants as C
from nubis.http11 import HttpServer, Request, Response
from nubis.model.function import InvokeRequest
from nubis.model.limits import SYNC_RESPONSE_MAX_BYTES

_ACCEPTED = b'{"status":"OK"}'
_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Reply:
    """What the runtime posted for an invocation (or for init). `error_type` None = success."""

    payload: bytes
    error_type: str | None = None


@dataclass
class Invocation:
    request: InvokeRequest
    deadline_ms: int
    reply: asyncio.Future[Reply]


def _error(status: int, error_type: str, message: str) -> Response:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return Response(status, _JSON_HEADERS, body)


def _accepted() -> Response:
    return Response(202, _JSON_HEADERS, _ACCEPTED)


_HDR_FUNCTION_ERROR_TYPE = C.HDR_FUNCTION_ERROR_TYPE.lower()  # http11 lower-cases names


def too_large_payload() -> bytes:
    return json.dumps(
        {
            "errorMessage": "Response payload size exceeded maximum allowed payload size "
            f"({SYNC_RESPONSE_MAX_BYTES} bytes).",
            "errorType": C.ERR_RESPONSE_TOO_LARGE,
        }
    ).encode()


class RuntimeApiServer:
    """Owns one listening socket and the HTTP connections to it. `close()` is idempotent."""

    def __init__(self, max_response_bytes: int = SYNC_RESPONSE_MAX_BYTES) -> None:
        self._max_response = max_response_bytes
        loop = asyncio.get_running_loop()
        # Resolved with None by the first GET /next, or with the runtime's init error.
        self.ready: asyncio.Future[Reply | None] = loop.create_future()
        self._state = "init"
        self._queued: Invocation | None = None  # dispatched, not yet fetched by /next
        self._current: Invocation | None = None  # fetched, not yet answered
        self._waiter: asyncio.Future[Invocation | None] | None = None  # a parked GET /next
        self._closing = False
        self._server: HttpServer | None = None
        self.port = 0

    async def start(self, sock: socket.socket | None = None) -> str:
        """Serve on `sock` (bound and listening, e.g. made inside the environment's network
        namespace; ownership passes here) or on a new ephemeral loopback port. Returns the
        AWS_LAMBDA_RUNTIME_API value."""
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", 0))
                sock.listen(16)
            except BaseException:
                sock.close()
                raise
        try:
            host, self.port = sock.getsockname()[:2]
            # Bodies over the limit are still read (and dropped) so the handler can fail
            # the invocation with Function.ResponseSizeTooLarge.
            # A runtime that pipelines its result with its next /next (ours does) has nothing
            # to do until that /next is answered: its 202 can leave with that answer.
            self._server = HttpServer(self._handle, self._max_response, hold_pipelined=True)
            await self._server.listen(sock)
        except BaseException:
            sock.close()
            raise
        return f"{host}:{self.port}"

    def dispatch(self, invocation: Invocation) -> None:
        """Hand an invocation to the runtime: to a parked /next, or to the next one."""
        assert self._state == "idle"
        assert self._queued is None
        assert self._current is None
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            self._waiter = None
            waiter.set_result(invocation)
        else:
            self._queued = invocation

    def abandon(self) -> None:
        """Forget the current invocation (it timed out or the process died)."""
        self._queued = None
        self._current = None

    async def _handle(self, request: Request) -> Response:
        path = request.path
        if path == C.PATH_NEXT:
            if request.method != "GET":
                return _error(405, C.API_ERR_METHOD, "Method not allowed")
            return await self._next()
        if path == C.PATH_INIT_ERROR:
            if request.method != "POST":
                return _error(405, C.API_ERR_METHOD, "Method not allowed")
            return await self._init_error(request)
        if path.startswith(C.PATH_INVOCATION):
            request_id, _, suffix = path[len(C.PATH_INVOCATION) :].partition("/")
            suffix = "/" + suffix
            if request_id and suffix in (C.SUFFIX_RESPONSE, C.SUFFIX_ERROR):
                if request.method != "POST":
                    return _error(405, C.API_ERR_METHOD, "Method not allowed")
                return await self._result(request, request_id, suffix == C.SUFFIX_ERROR)
        return _error(404, C.API_ERR_NOT_FOUND, "Not found")

    async def _next(self) -> Response:
        if self._closing:
            return _error(500, C.API_ERR_SHUTDOWN, "The environment is shutting down")
        if self._state == "failed" or self._current is not None or self._waiter is not None:
            return _error(
                403,
                C.API_ERR_INVALID_STATE,
                f"State transition from {self._state} to next is not allowed",
            )
        if self._state == "init":
            self._state = "idle"
            if not self.ready.done():
                self.ready.set_result(None)
        invocation = self._queued
        if invocation is None:
            waiter: asyncio.Future[Invocation | None] = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                invocation = await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
            if invocation is None:
                return _error(500, C.API_ERR_SHUTDOWN, "The environment is shutting down")
        self._queued = None
        self._current = invocation
        self._state = "busy"
        req = invocation.request
        headers = {
            C.HDR_REQUEST_ID: req.request_id,
            C.HDR_DEADLINE_MS: str(invocation.deadline_ms),
            C.HDR_FUNCTION_ARN: req.invoked_arn,
        }
        if req.trace_id:
            headers[C.HDR_TRACE_ID] = req.trace_id
        if req.client_context:
            headers[C.HDR_CLIENT_CONTEXT] = req.client_context
        if req.cognito_identity:
            headers[C.HDR_COGNITO_IDENTITY] = req.cognito_identity
        headers["Content-Type"] = "application/json"
        return Response(200, headers, req.payload)

    async def _result(self, request: Request, request_id: str, is_error: bool) -> Response:
        current = self._current
        if current is None or current.reply.done():
            kind = "error" if is_error else "response"
            return _error(
                403,
                C.API_ERR_INVALID_STATE,
                f"State transition from {self._state} to {kind} is not allowed",
            )
        if request_id != current.request.request_id:
            return _error(400, C.API_ERR_INVALID_REQUEST_ID, "Invalid request ID")
        body = request.body
        self._current = None
        self._state = "idle"
        if request.body_too_large:
            current.reply.set_result(Reply(too_large_payload(), C.ERR_RESPONSE_TOO_LARGE))
            return _error(413, C.API_ERR_TOO_LARGE, "Response payload too large")
        if is_error:
            error_type = request.headers.get(_HDR_FUNCTION_ERROR_TYPE)
            current.reply.set_result(_error_reply(body, error_type))
        else:
            current.reply.set_result(Reply(body))
        return _accepted()

    async def _init_error(self, request: Request) -> Response:
        body = request.body
        if self._state != "init" or self.ready.done():
            return _error(
                403,
                C.API_ERR_INVALID_STATE,
                f"State transition from {self._state} to init error is not allowed",
            )
        self._state = "failed"
        error_type = request.headers.get(_HDR_FUNCTION_ERROR_TYPE)
        self.ready.set_result(_error_reply(body or b"", error_type))
        return _accepted()

    async def close(self) -> None:
        """Answer a parked /next with 500, stop listening, close connections. Idempotent."""
        self._closing = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        server, self._server = self._server, None
        if server is None:
            return
        # A parked /next was just answered with 500: let that response go out.
        await server.close(grace=0.05)


def _error_reply(body: bytes, header_type: str | None) -> Reply:
    """An error as Lambda returns it: the runtime's JSON body, else one built from the header."""
    error_type = header_type
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
        parsed = None
    if isinstance(parsed, dict):
        error_type = error_type or str(parsed.get("errorType") or "") or C.ERR_UNKNOWN
        return Reply(body, error_type)
    error_type = error_type or C.ERR_UNKNOWN
    message = body.decode(errors="replace")
    return Reply(
        json.dumps({"errorMessage": message, "errorType": error_type}).encode(), error_type
    )
