"""The HTTP front door: one aiohttp application serving the Lambda REST-JSON API.

Every request goes: match route (botocore model) → parse + validate → operation →
serialize. Every failure, whatever raised it, leaves as the same error shape.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from nubis.api import constants
from nubis.api.lambda_ops import LambdaOperations, RequestContext
from nubis.api.wire import RestJsonService, WireResponse
from nubis.control.functions import FunctionService, Principal
from nubis.model import limits
from nubis.model.errors import (
    NubisError,
    RequestTooLargeException,
    ResourceNotFoundException,
    ServiceException,
    UnknownOperationException,
)
from nubis.observe.base import LogSink

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
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

BlobPath = Callable[[str], Path]


def principal_of(request: web.Request) -> Principal:
    """Who signed the request. Signatures are not verified yet: this is the place where
    authentication plugs in."""
    match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    return Principal(access_key=match.group(1) if match else None)


def _respond(wire: WireResponse) -> web.Response:
    return web.Response(status=wire.status, headers=wire.headers, body=wire.body)


class LambdaApi:
    def __init__(
        self,
        functions: FunctionService,
        operations: LambdaOperations,
        logs: LogSink,
        blob_path: BlobPath,
    ) -> None:
        self._wire = RestJsonService("lambda", overlay=LAMBDA_OVERLAY)
        self._functions = functions
        self._ops = operations
        self._logs = logs
        self._blob_path = blob_path

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_get("/_nubis/code/{sha}.zip", self.code)
        app.router.add_get("/_nubis/logs/{name}", self.function_logs)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        operation = "?"
        try:
            operation, uri_params = self._wire.match(
                request.method, request.rel_url.raw_path, request.rel_url.query
            )
            handler = self._ops.handlers.get(operation)
            if handler is None:
                raise UnknownOperationException(
                    f"The operation {operation} is not supported by Nubis yet."
                )
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge as exc:
                raise RequestTooLargeException(
                    f"Request must be smaller than {MAX_BODY_BYTES} bytes for the "
                    f"{operation} operation"
                ) from exc
            params = self._wire.parse(
                operation, uri_params, request.rel_url.query, request.headers, body
            )
            ctx = RequestContext(
                request_id, principal_of(request), f"{request.scheme}://{request.host}"
            )
            output = await handler(params, ctx)
            wire = self._wire.serialize(operation, output.members, output.status)
        except NubisError as exc:
            wire = self._wire.serialize_error(exc, request_id)
        except Exception:
            log.exception("internal error in %s (request %s)", operation, request_id)
            wire = self._wire.serialize_error(
                ServiceException("An internal error occurred; see the server log."), request_id
            )
        wire.headers[constants.REQUEST_ID_HEADER] = request_id
        return _respond(wire)

    async def code(self, request: web.Request) -> web.StreamResponse:
        sha = request.match_info["sha"]
        path = self._blob_path(sha) if _SHA256_HEX.match(sha) else None
        if path is None or not path.exists():
            exc = ResourceNotFoundException("No code package with that digest.")
            return _respond(self._wire.serialize_error(exc, str(uuid.uuid4())))
        return web.FileResponse(path, headers={"Content-Type": "application/zip"})

    async def function_logs(self, request: web.Request) -> web.StreamResponse:
        """Nubis's own: the text of a function's log streams, newest last."""
        try:
            config = self._functions.get(request.match_info["name"])
        except NubisError as exc:
            return _respond(self._wire.serialize_error(exc, str(uuid.uuid4())))
        group = f"/aws/lambda/{config.name}"
        streams = self._logs.streams(group)
        text = "".join(self._logs.read(group, s) for s in streams)
        tail = int(request.query.get("tail", "0") or 0)
        if tail > 0:
            text = "\n".join(text.splitlines()[-tail:]) + "\n"
        return web.Response(text=text, content_type="text/plain")
