"""Invocation rules: payload limits and format, invocation types, async hand-off."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

from nubis.control.functions import FunctionService
from nubis.engine.base import Engine
from nubis.model import limits
from nubis.model.clock import Clock
from nubis.model.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    RequestTooLargeException,
)
from nubis.model.function import InvokeRequest, InvokeResult
from nubis.store.base import EventQueue, QueuedEvent

REQUEST_RESPONSE = "RequestResponse"
EVENT = "Event"
DRY_RUN = "DryRun"
_CLIENT_CONTEXT_MAX = 3583  # bytes of the base64 text, as Lambda limits it


@dataclass(frozen=True)
class Invocation:
    """An Invoke call as control sees it (already parsed off the wire)."""

    function_name: str
    qualifier: str | None
    payload: bytes
    request_id: str
    invocation_type: str = REQUEST_RESPONSE
    tail_logs: bool = False
    client_context_b64: str | None = None


def _check_json(payload: bytes) -> None:
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {exc}"
        ) from exc
    except RecursionError as exc:
        raise InvalidRequestContentException(
            "Could not parse request body into json: Could not parse payload into json: "
            "Document nesting depth exceeds the maximum allowed"
        ) from exc


def _client_context(text: str | None) -> str | None:
    if text is None:
        return None
    if len(text) > _CLIENT_CONTEXT_MAX:
        raise InvalidParameterValueException(
            f"Client context must be smaller than {_CLIENT_CONTEXT_MAX} bytes when encoded "
            "in base64."
        )
    try:
        decoded = base64.b64decode(text, validate=True).decode()
        if not isinstance(json.loads(decoded), dict):
            raise ValueError("not an object")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object."
        ) from exc
    return decoded


class Invoker:
    """Runs invocations now (through the engine) or hands them to the async queue.

    `on_enqueued` (given at construction: the server passes the wake-up its async
    workers wait on) is called after an event is held by the queue, to wake them; the
    queue is the hand-off, so control never depends on `events`.
    """

    def __init__(
        self,
        functions: FunctionService,
        engine: Engine,
        queue: EventQueue,
        clock: Clock,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self._functions = functions
        self._engine = engine
        self._queue = queue
        self._clock = clock
        self._on_enqueued = on_enqueued

    async def invoke(self, inv: Invocation) -> InvokeResult | None:
        """RequestResponse → the result; Event and DryRun → None once accepted."""
        config, spec = await self._functions.spec(inv.function_name, inv.qualifier)
        payload = inv.payload or b"{}"
        if inv.invocation_type == EVENT:
            if len(payload) > limits.ASYNC_PAYLOAD_MAX_BYTES:
                raise RequestTooLargeException(
                    f"Request must be smaller than {limits.ASYNC_PAYLOAD_MAX_BYTES} bytes for "
                    "the InvokeFunction operation"
                )
            _check_json(payload)
            now = self._clock.time()
            # Returns once the event is durably stored: only then may the caller get 202.
            await self._queue.enqueue(
                QueuedEvent(
                    id=inv.request_id,
                    function_name=config.name,
                    qualifier=inv.qualifier,
                    payload=payload,
                    enqueued_at=now,
                    due_at=now,
                )
            )
            if self._on_enqueued is not None:
                self._on_enqueued()
            return None
        if len(payload) > limits.SYNC_PAYLOAD_MAX_BYTES:
            raise RequestTooLargeException(
                f"Request must be smaller than {limits.SYNC_PAYLOAD_MAX_BYTES} bytes for the "
                "InvokeFunction operation"
            )
        _check_json(payload)
        client_context = _client_context(inv.client_context_b64)
        if inv.invocation_type == DRY_RUN:
            return None
        request = InvokeRequest(
            request_id=inv.request_id,
            payload=payload,
            # The qualifier may also come inside FunctionName (`name:alias`, an ARN).
            invoked_arn=self._functions.arn(
                config.name, self._functions.parse_ref(inv.function_name, inv.qualifier).qualifier
            ),
            client_context=client_context,
            tail_logs=inv.tail_logs,
        )
        return await self._engine.invoke(spec, request)

    async def run_event(self, event: QueuedEvent) -> InvokeResult:
        """Run one queued asynchronous event (called by `events`)."""
        config, spec = await self._functions.spec(event.function_name, event.qualifier)
        request = InvokeRequest(
            request_id=event.id,
            payload=event.payload,
            invoked_arn=self._functions.arn(config.name, event.qualifier),
        )
        return await self._engine.invoke(spec, request)
