"""The HTTP front door: the Lambda REST-JSON API and Nubis's own small endpoints, served
by `nubis.http11`.

Every request goes: match route (botocore model) → parse + validate → operation →
serialize. Every failure, whatever raised it, leaves as the same error shape.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote

from nubis.api import constants
from nubis.api.lambda_ops import LambdaOperations, RequestContext
from nubis.api.wire import RestJsonService, WireResponse
from nubis.control.functions import FunctionService, Principal
from nubis.http11 import HttpLimits, HttpServer, Request, Response
from nubis.model import limits
from nubis.model.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    NubisError,
    RequestTooLargeException,
    ResourceNotFoundException,
    ServiceException,
    StorageFullException,
    UnknownOperationException,
)
from nubis.observe.base import LogSink
from nubis.store.full import storage_full

log = logging.getLogger(__name__)

# Bodies up to twice the base64 size of a 50 MB zip are read, so that a package just over
# the limit gets Lambda's clear InvalidParameterValueException rather than a bare 413.
MAX_BODY_BYTES = limits.ZIPPED_MAX_BYTES * 8 // 3

# Lambda's server-side limits that botocore's model does not state.
LAMBDA_OVERLAY = {
    "Timeout": {"max": limits.TIMEOUT_MAX_S},
    "MemorySize": {"max": limits.MEMORY_MAX_MB},
    "EphemeralStorageSize": {"max": limits.EPHEMERAL_MAX_MB},
}

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_CODE_PATH = re.compile(r"^/_nubis/code/([0-9a-f]{64})\.zip$")
_LOGS_PATH = "/_nubis/logs/"
_TARGET_HEADER = "x-amz-target"

BlobPath = Callable[[str], Path]
MSG_INTERNAL = "An internal error occurred; see the server log."


class TargetApi(Protocol):
    """A JSON-protocol service on the same port, chosen by its `X-Amz-Target` prefix
    (e.g. the SQS-compatible queue service for `AmazonSQS.`)."""

    async def handle(
        self,
        operation: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
        base_url: str,
    ) -> WireResponse: ...


def principal_of(headers: dict[str, str]) -> Principal:
    """Who signed the request. Signatures are not verified yet: this is the place where
    authentication plugs in."""
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    return Principal(access_key=match.group(1) if match else None)


def _tail(text: str) -> int:
    """The `tail` parameter of the logs endpoint: a count of lines, 0 (or absent) for all."""
    if not text:
        return 0
    if not text.isdigit() or not text.isascii():
        raise InvalidParameterValueException(
            f"Invalid value '{text}' for parameter tail: a non-negative integer is required."
        )
    return int(text)


def _response(wire: WireResponse) -> Response:
    return Response(wire.status, wire.headers, wire.body)


class LambdaApi:
    def __init__(
        self,
        functions: FunctionService,
        operations: LambdaOperations,
        logs: LogSink,
        blob_path: BlobPath,
        targets: dict[str, TargetApi] | None = None,
    ) -> None:
        self._wire = RestJsonService("lambda", overlay=LAMBDA_OVERLAY)
        self._functions = functions
        self._ops = operations
        self._logs = logs
        self._blob_path = blob_path
        self._targets = dict(targets or {})  # X-Amz-Target prefix ("AmazonSQS.") → service
        self._server: HttpServer | None = None

    async def start(self, host: str, port: int, limits: HttpLimits | None = None) -> None:
        self._server = HttpServer(self.handle, MAX_BODY_BYTES, limits=limits)
        await self._server.listen_tcp(host, port)

    async def close(self, grace: float = 1.0) -> None:
        """Stop listening and close connections; requests being handled get up to `grace`
        seconds to be answered first. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            await server.close(grace=grace)

    def _error(self, exc: NubisError, request_id: str) -> Response:
        wire = self._wire.serialize_error(exc, request_id)
        wire.headers[constants.REQUEST_ID_HEADER] = request_id
        return _response(wire)

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        path = request.path
        if path.startswith("/_nubis/"):
            return await self._nubis(request, request_id)
        target = request.headers.get(_TARGET_HEADER)
        if target is not None:
            return await self._target(request, target, request_id)
        operation = "?"
        try:
            qs = request.query_string
            query = parse_qs(qs, keep_blank_values=True) if qs else {}
            operation, uri_params = self._wire.match(request.method, path, query)
            handler = self._ops.handlers.get(operation)
            if handler is None:
                raise UnknownOperationException(
                    f"The operation {operation} is not supported by Nubis yet."
                )
            if request.body_too_large:
                raise RequestTooLargeException(
                    f"Request must be smaller than {MAX_BODY_BYTES} bytes for the "
                    f"{operation} operation"
                )
            params = self._wire.parse(operation, uri_params, query, request.headers, request.body)
            ctx = RequestContext(
                request_id, principal_of(request.headers), f"http://{request.host}"
            )
            output = await handler(params, ctx)
            wire = self._wire.serialize(operation, output.members, output.status)
        except NubisError as exc:
            wire = self._wire.serialize_error(exc, request_id)
        except RecursionError:
            # Only a document nested past the parser's limit gets this deep (the Invoke
            # payload's JSON check, a queue policy): the client's input, not our fault.
            log.warning("input nested too deeply in %s (request %s)", operation, request_id)
            wire = self._wire.serialize_error(
                InvalidRequestContentException(constants.MSG_TOO_DEEP), request_id
            )
        except Exception as exc:
            wire = self._wire.serialize_error(
                self._unexpected(exc, operation, request_id), request_id
            )
        wire.headers[constants.REQUEST_ID_HEADER] = request_id
        return _response(wire)

    @staticmethod
    def _unexpected(exc: Exception, operation: str, request_id: str) -> ServiceException:
        """An exception no part mapped: a full data volume (a log write, say) says so;
        anything else is logged as ours."""
        if storage_full(exc):
            log.error("no space left on the data volume (%s, request %s)", operation, request_id)
            return StorageFullException()
        log.exception("internal error in %s (request %s)", operation, request_id)
        return ServiceException(MSG_INTERNAL)

    async def _target(self, request: Request, target: str, request_id: str) -> Response:
        prefix, _, operation = target.rpartition(".")
        service = self._targets.get(prefix + ".")
        if service is None or request.method != "POST":
            return self._error(
                UnknownOperationException(f"No service answers X-Amz-Target {target}"),
                request_id,
            )
        if request.body_too_large:
            return self._error(RequestTooLargeException("Request body too large"), request_id)
        try:
            wire = await service.handle(
                operation, request.headers, request.body, request_id, f"http://{request.host}"
            )
        except Exception:
            log.exception("internal error in %s (request %s)", target, request_id)
            return self._error(ServiceException("An internal error occurred."), request_id)
        return _response(wire)

    async def _nubis(self, request: Request, request_id: str) -> Response:
        """Nubis's own endpoints: code downloads (GetFunction's Code.Location) and logs."""
        try:
            if request.method != "GET":
                raise UnknownOperationException(f"No route for {request.method} {request.path}")
            code = _CODE_PATH.match(request.path)
            if code is not None:
                return await self._code(code.group(1))
            if request.path.startswith(_LOGS_PATH):
                name = unquote(request.path[len(_LOGS_PATH) :])
                query = parse_qs(request.query_string)
                return self._function_logs(name, _tail(query.get("tail", [""])[0]))
            raise UnknownOperationException(f"No route for GET {request.path}")
        except NubisError as exc:
            return self._error(exc, request_id)
        except Exception:
            log.exception("internal error in %s (request %s)", request.path, request_id)
            return self._error(ServiceException(MSG_INTERNAL), request_id)

    async def _code(self, sha: str) -> Response:
        path = self._blob_path(sha)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ResourceNotFoundException("No code package with that digest.") from None
        return Response(200, {"Content-Type": "application/zip"}, data)

    def _function_logs(self, name: str, tail: int) -> Response:
        """The text of a function's log streams, oldest first."""
        config = self._functions.get(name)
        group = f"/aws/lambda/{config.name}"
        text = "".join(self._logs.read(group, s) for s in self._logs.streams(group))
        if tail > 0:
            text = "\n".join(text.splitlines()[-tail:]) + "\n"
        return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, text.encode())
