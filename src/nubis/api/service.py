"""The boundary between the gateway and a service: what a service declares, what its
handlers receive and return.

A service is one `Service` object: its name, its protocol codec, its operation table
(`{operation: Operation(handler, IAM action, resource)}`) and its error mapping. Every
handler of every service has one signature:

    async def handler(request: OperationRequest) -> OperationResult

The gateway (`nubis.api.gateway`) owns everything around the call: which service a request
is for, who sent it, parsing, authorization, rendering the result and every error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nubis.api.protocols.response import WireResponse
from nubis.control.functions import Principal
from nubis.http11 import Request
from nubis.model.errors import NubisError

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """One call of an operation: its input parsed and validated by the service's codec."""

    operation: str
    params: Params  # member names of the operation's input shape
    principal: Principal
    request_id: str
    base_url: str  # how the caller reached us (`http://host:port`), for URLs handed back


@dataclass(frozen=True, slots=True)
class OperationResult:
    """An operation's output, in member names of its output shape; the codec renders it."""

    members: dict[str, Any]
    status: int | None = None  # None: the operation's default status


Handler = Callable[[OperationRequest], Awaitable[OperationResult]]
# The resource an operation acts on, as an ARN ("*" when it acts on none), from its params.
Resource = Callable[[Mapping[str, Any]], str]


def any_resource(params: Mapping[str, Any]) -> str:
    return "*"


@dataclass(frozen=True, slots=True)
class Operation:
    """One row of a service's operation table: what runs, and what IAM is asked about it
    (`lambda:InvokeFunction` on the function's ARN). The authorize step evaluates
    `action` on `resource(params)`; nothing in the handler checks permissions."""

    handler: Handler
    action: str
    resource: Resource = any_resource


@dataclass(frozen=True, slots=True)
class Routed:
    """Which operation a request calls, and what the codec read while routing it (REST URI
    labels and query) so that `parse` does not read it twice. `state` is the codec's own."""

    operation: str
    state: Any = None


class ServiceCodec(Protocol):
    """A service's protocol, as the gateway drives it. Immutable after construction; every
    method is safe to call concurrently.

    `route` and `parse` raise `NubisError`s for a request they cannot read (no such
    operation, a body that is not the protocol's, a broken model constraint) and nothing
    else for client input. `serialize` trusts its result (it comes from a handler).
    `serialize_error` renders any `NubisError` (after the service's error mapping) as the
    protocol's clients parse it, and never raises.
    """

    protocol: str  # botocore's protocol name: "rest-json", "json", "query", ...

    def route(self, request: Request) -> Routed: ...

    def parse(self, routed: Routed, request: Request) -> Params: ...

    def serialize(
        self, operation: str, result: OperationResult, request_id: str
    ) -> WireResponse: ...

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse: ...


# A service's word on an error before it is rendered (SQS renders the tree's
# ValidationException as its MissingParameter, say). Returns the error to render.
ErrorMapping = Callable[[NubisError], NubisError]


def same_error(error: NubisError) -> NubisError:
    return error


@dataclass(frozen=True)
class Service:
    """One AWS service (or Nubis's own endpoints) on the gateway."""

    name: str  # the credential scope's service ("lambda", "sqs")
    codec: ServiceCodec
    operations: Mapping[str, Operation]
    errors: ErrorMapping = same_error
    # `X-Amz-Target` prefixes (before the dot) that name this service: "AmazonSQS".
    target_prefixes: tuple[str, ...] = field(default=())
