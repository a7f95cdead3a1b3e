"""The one request pipeline of every service on the API port.

    resolve service ─▶ authenticate ─▶ route + parse ─▶ authorize ─▶ call ─▶ serialize
    (credential scope,   (the signer's    (the service's   (IAM action   (its handler) (its codec)
     X-Amz-Target,        access key)      codec)           + resource)
     path)

A request is for the service its SigV4 credential scope names
(`Credential=AK/date/region/SERVICE/aws4_request`), else the one its `X-Amz-Target` prefix
names, else (an unsigned form of the query protocol) the query service with an
operation of its `Action`, else the one its path belongs to (`/_nubis/...` and
`/metrics`: Nubis's own endpoints; any other path: Lambda's REST routes). A service or
protocol Nubis does not serve gets a clear error in the client's protocol (`unserved`).
Every failure of a served service, whatever raised it, is mapped by the service
(`Service.errors`) and rendered by its codec, so each service has one error shape.

Authentication and authorization are hooks (`Authenticator`, `Authorizer`), installed by
`nubis serve --auth iam` (`nubis.api.auth`: SigV4 verification, IAM policies). Without
them (`--auth open`) the gateway records the access key a request names, verifies
nothing and computes no resource, so the hot path pays nothing for them. A refusal of
the authorizer (`Denied`) is AccessDenied in the service's protocol family.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import parse_qs

from nubis.api import constants, unserved
from nubis.api.protocols.response import WireResponse
from nubis.api.request_ids import RequestIds
from nubis.api.service import OperationRequest, Service
from nubis.api.services.nubis.codec import METRICS_PATH
from nubis.control.functions import Principal
from nubis.http import Family, family_for
from nubis.http11 import HttpLimits, HttpServer, Request, Response
from nubis.model import limits
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    RequestTooLargeException,
    ServiceException,
    StorageFullException,
    UnknownOperationException,
)
from nubis.observe.base import Recorder
from nubis.observe.recorder import NullRecorder
from nubis.observe.records import ApiCall
from nubis.store.full import storage_full

log = logging.getLogger(__name__)

# Bodies up to twice the base64 size of a 50 MB zip are read, so that a package just over
# the limit gets Lambda's clear InvalidParameterValueException rather than a bare 413.
MAX_BODY_BYTES = limits.ZIPPED_MAX_BYTES * 8 // 3

MSG_INTERNAL = "An internal error occurred; see the server log."
MSG_NOT_SUPPORTED = "The operation {operation} is not supported by Nubis yet."
MSG_TOO_LARGE = "Request must be smaller than {limit} bytes for the {operation} operation"

NUBIS_PREFIX = "/_nubis/"
_TARGET_HEADER = "x-amz-target"
_CREDENTIAL = "Credential="


def credential_of(authorization: str) -> tuple[str | None, str | None]:
    """(access key, service) of a SigV4 `Authorization` header's credential scope
    (`Credential=AK/20260101/us-east-1/lambda/aws4_request`); None for what is absent.
    String methods, not a regex: this runs on every request."""
    at = authorization.find(_CREDENTIAL)
    if at < 0:
        return None, None
    end = authorization.find(",", at)
    parts = authorization[at + len(_CREDENTIAL) : end if end >= 0 else None].split("/")
    key = parts[0].strip() or None
    service = parts[3].strip() or None if len(parts) > 4 else None
    return key, service


class Authenticator(Protocol):
    """Who sent a request for `action` of `service`. Raises a `NubisError` (rendered in
    the service's protocol) for a request it refuses; must not block the event loop."""

    async def authenticate(self, request: Request, service: Service, action: str) -> Principal: ...


class Denied(Exception):
    """An authorizer's refusal: AccessDenied, with `message`, in the service's protocol."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthError(NubisError):
    """A refusal of the authenticate or authorize step: already the code, status and
    message AWS sends, so no service's error mapping rewrites it."""


class AccessDeniedException(AuthError):
    wire_type = "AccessDeniedException"  # the JSON protocols' (Lambda's) name
    status = 403


class AccessDenied(AuthError):
    wire_type = "AccessDenied"  # the query protocols' (IAM's, STS's) name
    status = 403


class Authorizer(Protocol):
    """Whether `principal` may perform `action` (`lambda:InvokeFunction`) on `resource` (an
    ARN or "*"). Raises `Denied` (or another `NubisError`) to refuse; returns to allow."""

    async def authorize(self, principal: Principal, action: str, resource: str) -> None: ...


def denied_error(service: Service, message: str) -> NubisError:
    if family_for(service.codec.protocol, service.name) is Family.JSON:
        return AccessDeniedException(message)
    return AccessDenied(message)


class Gateway:
    """Serves `services` on one HTTP server. The service named "nubis" answers
    `/_nubis/...`; the one named "lambda" answers the paths no other service claims."""

    def __init__(
        self,
        services: Iterable[Service],
        authenticator: Authenticator | None = None,
        authorizer: Authorizer | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self._recorder: Recorder = recorder or NullRecorder()  # one ApiCall per request
        self._by_scope: dict[str, Service] = {}
        self._by_target: dict[str, Service] = {}
        self._by_action: dict[str, Service] = {}  # query services' operations
        for service in services:
            self._by_scope[service.name] = service
            if service.codec.protocol == "query":
                self._by_action.update(dict.fromkeys(service.operations, service))
            for prefix in service.target_prefixes:
                self._by_target[prefix] = service
        self._lambda = self._by_scope.get("lambda")
        self._nubis = self._by_scope.get("nubis")
        self._authenticator = authenticator  # None: the access key recorded, unverified
        self._authorizer = authorizer
        self._ids = RequestIds()
        self._server: HttpServer | None = None

    async def start(self, host: str, port: int, http_limits: HttpLimits | None = None) -> None:
        self._server = HttpServer(self.handle, MAX_BODY_BYTES, limits=http_limits)
        await self._server.listen_tcp(host, port)

    async def close(self, grace: float = 1.0) -> None:
        """Stop listening and close connections; requests being handled get up to `grace`
        seconds to be answered first. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            await server.close(grace=grace)

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = self._ids.next()
        access_key, scope = credential_of(request.headers.get("authorization", ""))
        service = self._resolve(request, scope)
        if service is None:
            named = scope or request.headers.get(_TARGET_HEADER, "?").partition(".")[0]
            message = unserved.MSG_SERVICE.format(service=named)
            wire = unserved.render(unserved.client_protocol(request, scope), message, request_id)
            operation = "?"
        else:
            named = service.name
            operation, wire = await self._call(service, request, request_id, access_key, scope)
        wire.headers[constants.REQUEST_ID_HEADER] = request_id
        self._recorder.record(
            ApiCall(
                time.time(), named, operation, wire.status, (time.perf_counter() - started) * 1000
            )
        )
        return Response(wire.status, wire.headers, wire.body)

    def _resolve(self, request: Request, scope: str | None) -> Service | None:
        if scope is not None:
            return self._by_scope.get(scope)
        target = request.headers.get(_TARGET_HEADER)
        if target is not None:
            return self._by_target.get(target.partition(".")[0])
        if request.path.startswith(NUBIS_PREFIX) or request.path == METRICS_PATH:
            return self._nubis
        if unserved.client_protocol(request, None) == "query":
            return self._by_action.get(_action_of(request), self._lambda)
        return self._lambda

    async def _call(
        self,
        service: Service,
        request: Request,
        request_id: str,
        access_key: str | None,
        scope: str | None,
    ) -> tuple[str, WireResponse]:
        """(the operation, or "?" when the request named none we know; the answer)"""
        codec = service.codec
        operation = "?"
        try:
            try:
                routed = codec.route(request)
            except NubisError:
                # A client of another protocol of this service (SQS's query past): say so
                # in that protocol rather than in one the client cannot parse.
                protocol = unserved.client_protocol(request, scope)
                if protocol != codec.protocol:
                    message = unserved.MSG_PROTOCOL.format(
                        service=service.name, served=codec.protocol, protocol=protocol
                    )
                    return operation, unserved.render(protocol, message, request_id)
                raise
            operation = routed.operation
            entry = service.operations.get(operation)
            if entry is None:
                raise UnknownOperationException(MSG_NOT_SUPPORTED.format(operation=operation))
            if request.body_too_large:
                raise RequestTooLargeException(
                    MSG_TOO_LARGE.format(limit=MAX_BODY_BYTES, operation=operation)
                )
            if self._authenticator is None:
                principal = Principal(access_key=access_key)
            else:
                principal = await self._authenticator.authenticate(request, service, entry.action)
            params = codec.parse(routed, request)
            if self._authorizer is not None:
                try:
                    resource = entry.resource(params)
                    await self._authorizer.authorize(principal, entry.action, resource)
                except Denied as denied:
                    raise denied_error(service, denied.message) from None
            call = OperationRequest(
                operation, params, principal, request_id, f"http://{request.host}"
            )
            result = await entry.handler(call)
            return operation, codec.serialize(operation, result, request_id)
        except AuthError as exc:
            return operation, codec.serialize_error(exc, request_id)
        except NubisError as exc:
            error = exc
        except RecursionError:
            # Only a document nested past the parser's limit gets this deep (the Invoke
            # payload's JSON check, a queue policy): the client's input, not our fault.
            log.warning("input nested too deeply in %s (request %s)", operation, request_id)
            error = InvalidRequestContentException(constants.MSG_TOO_DEEP)
        except Exception as exc:
            error = _unexpected(exc, service.name, operation, request_id)
        return operation, codec.serialize_error(service.errors(error), request_id)


def _action_of(request: Request) -> str:
    """The `Action` of an unsigned query-protocol request (form body, else the URL)."""
    for text in (request.body.decode("utf-8", "replace"), request.query_string):
        found = parse_qs(text).get("Action")
        if found:
            return found[0]
    return ""


def _unexpected(exc: Exception, service: str, operation: str, request_id: str) -> NubisError:
    """An exception no part mapped: a full data volume (a log write, say) says so;
    anything else is logged as ours."""
    if storage_full(exc):
        log.error(
            "no space left on the data volume (%s %s, request %s)", service, operation, request_id
        )
        return StorageFullException()
    log.exception("internal error in %s %s (request %s)", service, operation, request_id)
    return ServiceException(MSG_INTERNAL)
