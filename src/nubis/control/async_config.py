"""Asynchronous invocation rules: event-invoke configs (per function and qualifier), what
happens after each attempt (retry, back off, give up), and the records Lambda sends to
destinations and dead-letter queues.

    function error  -> retry after retry_delays[i] while retries < MaximumRetryAttempts,
                       then OnFailure with condition RetriesExhausted
    throttle/system -> retry with exponential backoff (not counted as a retry)
    older than MaximumEventAgeInSeconds -> OnFailure with condition EventAgeExceeded
    throttled with reserved concurrency 0 -> OnFailure with ZeroReservedConcurrency, no retry
    success         -> OnSuccess with condition Success
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from nubis.control.functions import FunctionService
from nubis.model import async_config as defaults
from nubis.model.arn import parse_function_ref
from nubis.model.async_config import AsyncSettings, EventInvokeConfig
from nubis.model.clock import Clock
from nubis.model.errors import (
    InvalidParameterValueException,
    NubisError,
    ResourceNotFoundException,
)
from nubis.model.function import LATEST, InvokeResult
from nubis.model.requests import EventInvokeConfigRequest
from nubis.store.base import EventInvokeConfigStore, QueuedEvent

SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
ZERO_RESERVED_CONCURRENCY = "ZeroReservedConcurrency"  # reserved concurrency 0: no retry
DLQ_ERROR_MESSAGE_MAX = 1024
_DESTINATION_KINDS = ("arn:aws:sqs:", "arn:aws:lambda:")
DEFAULT_PAGE = 50
# Lambda's words (as seen from boto3).
MSG_NO_SETTINGS = "You must specify at least one of error handling or destination setting."
MSG_NO_FUNCTION = "The function doesn't exist."
MSG_SELF_DESTINATION = "You can't specify the function as a destination for itself."


def _check_destination(arn: str | None, which: str) -> None:
    if arn is None:
        return
    if not arn.startswith(_DESTINATION_KINDS):
        raise InvalidParameterValueException(
            f"The provided destination config DestinationConfig.{which}.Destination is "
            f"invalid: Nubis delivers to SQS queues and Lambda functions, not to {arn}."
        )


class EventInvokeConfigs:
    """Put/Update/Get/Delete/List of event-invoke configs. The function (and qualifier)
    must exist when a config is written or read."""

    def __init__(
        self, functions: FunctionService, store: EventInvokeConfigStore, clock: Clock
    ) -> None:
        self._functions = functions
        self._store = store
        self._clock = clock

    async def _ref(self, text: str, qualifier: str | None) -> tuple[str, str]:
        config = await self._functions.get(text, qualifier)
        ref = self._functions.parse_ref(text, qualifier)
        return config.name, ref.qualifier or LATEST

    def function_name(self, text: str) -> str:
        """The name in a FunctionName parameter (name, partial ARN or ARN)."""
        return self._functions.parse_ref(text).name

    def arn(self, config: EventInvokeConfig) -> str:
        return self._functions.arn(config.function_name, config.qualifier)

    async def dead_letter(self, function: str, qualifier: str | None) -> str | None:
        """The DeadLetterConfig target of the version an event ran (part of the function's
        configuration, as in Lambda); None without one or once the function is gone."""
        try:
            return (await self._functions.get(function, qualifier)).dead_letter_arn
        except NubisError:
            return None

    async def zero_reserved(self, function: str) -> bool:
        """The function's reserved concurrency is 0: its events can never run."""
        return await self._functions.concurrency.reserved(function) == 0

    async def forget_function(self, function: str) -> None:
        """A deleted function's configs go with it (a new function of the same name
        starts without them)."""
        await self._store.drop_function_configs(function)

    def _missing_config(self, text: str, qualifier: str | None) -> NubisError:
        """Lambda's answer for a config that is not there (whether or not the function is)."""
        ref = self._functions.parse_ref(text, qualifier)
        arn = self._functions.arn(ref.name, ref.qualifier or LATEST)
        return ResourceNotFoundException(f"The function {arn} doesn't have an EventInvokeConfig")

    async def _check_lambda_destination(self, name: str, arn: str | None) -> None:
        """A function destination must exist and not be the function itself."""
        if arn is None or not arn.startswith("arn:aws:lambda:"):
            return
        ref = parse_function_ref(arn)
        if ref is not None and ref.name == name:
            raise InvalidParameterValueException(MSG_SELF_DESTINATION)
        try:
            await self._functions.get(arn)
        except (ResourceNotFoundException, InvalidParameterValueException):
            raise InvalidParameterValueException(f"The destination ARN {arn} is invalid.") from None

    async def put(self, req: EventInvokeConfigRequest, merge: bool) -> EventInvokeConfig:
        """Put (`merge=False`: replace everything) or Update (`merge=True`: only what `req`
        names changes; there must be a config already)."""
        on_success = req.on_success.arn if req.on_success else None
        on_failure = req.on_failure.arn if req.on_failure else None
        given = (req.max_retry_attempts, req.max_event_age_s, req.on_success, req.on_failure)
        if all(v is None for v in given):
            raise InvalidParameterValueException(MSG_NO_SETTINGS)
        try:
            name, qual = await self._ref(req.function_name, req.qualifier)
        except ResourceNotFoundException:
            raise ResourceNotFoundException(MSG_NO_FUNCTION) from None
        current = await self._store.get_config(name, qual)
        if merge and current is None:
            raise self._missing_config(name, qual)
        _check_destination(on_success, "OnSuccess")
        _check_destination(on_failure, "OnFailure")
        await self._check_lambda_destination(name, on_success)
        await self._check_lambda_destination(name, on_failure)
        retries, age = req.max_retry_attempts, req.max_event_age_s
        if merge and current is not None:
            config = replace(
                current,
                max_retry_attempts=current.max_retry_attempts if retries is None else retries,
                max_event_age_s=current.max_event_age_s if age is None else age,
                on_success=current.on_success if req.on_success is None else on_success,
                on_failure=current.on_failure if req.on_failure is None else on_failure,
                last_modified=self._clock.time(),
            )
        else:
            config = EventInvokeConfig(
                name, qual, retries, age, on_success, on_failure, self._clock.time()
            )
        await self._store.put_config(config)
        return config

    async def get(self, text: str, qualifier: str | None) -> EventInvokeConfig:
        try:
            name, qual = await self._ref(text, qualifier)
        except ResourceNotFoundException:
            raise self._missing_config(text, qualifier) from None
        config = await self._store.get_config(name, qual)
        if config is None:
            raise self._missing_config(name, qual)
        return config

    async def delete(self, text: str, qualifier: str | None) -> None:
        try:
            name, qual = await self._ref(text, qualifier)
        except ResourceNotFoundException:
            raise self._missing_config(text, qualifier) from None
        if not await self._store.delete_config(name, qual):
            raise self._missing_config(name, qual)

    async def list(
        self, text: str, marker: str | None, max_items: int | None
    ) -> tuple[list[EventInvokeConfig], str | None]:
        try:
            name, _ = await self._ref(text, None)
        except ResourceNotFoundException:
            raise ResourceNotFoundException(MSG_NO_FUNCTION) from None
        configs = [c for c in await self._store.list_configs(name) if c.qualifier > (marker or "")]
        limit = max_items or DEFAULT_PAGE
        page = configs[:limit]
        return page, (page[-1].qualifier if len(configs) > limit else None)

    async def effective(self, function: str, qualifier: str | None) -> EventInvokeConfig:
        """The config that applies to an event (defaults where none was put)."""
        qual = qualifier or LATEST
        found = await self._store.get_config(function, qual)
        return found or EventInvokeConfig(function, qual, None, None, None, None, 0.0)


# ------------------------------------------------------------------ per-attempt rules
@dataclass(frozen=True)
class Decision:
    """What to do with an event after an attempt: `retry` it (at `event.due_at`) or give
    up with `condition` (None: it succeeded)."""

    retry: QueuedEvent | None = None
    condition: str | None = None


def expired(event: QueuedEvent, config: EventInvokeConfig, now: float) -> bool:
    return now - event.enqueued_at > config.max_age_s


def after_function_error(
    event: QueuedEvent, config: EventInvokeConfig, now: float, settings: AsyncSettings
) -> Decision:
    if event.retries >= config.retries:
        return Decision(condition=RETRIES_EXHAUSTED)
    delays = settings.retry_delays_s or defaults.DEFAULT_RETRY_DELAYS_S
    delay = delays[min(event.retries, len(delays) - 1)]
    if now + delay - event.enqueued_at > config.max_age_s:
        return Decision(condition=EVENT_AGE_EXCEEDED)
    return Decision(retry=replace(event, retries=event.retries + 1, due_at=now + delay))


def after_throttle(
    event: QueuedEvent, config: EventInvokeConfig, now: float, settings: AsyncSettings
) -> Decision:
    """Throttles and system errors: back off exponentially, not counted as retries."""
    system_attempts = max(0, event.attempts - event.retries - 1)
    delay = min(settings.backoff_max_s, settings.backoff_base_s * (2**system_attempts))
    if now + delay - event.enqueued_at > config.max_age_s:
        return Decision(condition=EVENT_AGE_EXCEEDED)
    return Decision(retry=replace(event, due_at=now + delay))


def _iso(epoch: float) -> str:
    ms = int(epoch * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{ms:03d}Z"


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return payload.decode(errors="replace")


def destination_record(
    event: QueuedEvent,
    function_arn: str,
    condition: str,
    now: float,
    result: InvokeResult | None,
    invoke_count: int,
) -> str:
    """Lambda's invocation record, as a destination receives it (JSON text)."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": _iso(now),
        "requestContext": {
            "requestId": event.id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json_or_text(event.payload),
    }
    if result is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": result.executed_version}
        if result.function_error:
            context["functionError"] = result.function_error
        record["responseContext"] = context
        record["responsePayload"] = _json_or_text(result.payload)
    return json.dumps(record, separators=(",", ":"))


def dlq_error(result: InvokeResult | None, condition: str) -> tuple[str, str]:
    """(ErrorCode, ErrorMessage) attributes of a dead-letter message."""
    if result is not None and result.function_error:
        body = _json_or_text(result.payload)
        message = body.get("errorMessage", "") if isinstance(body, dict) else str(body)
        return "200", str(message)[:DLQ_ERROR_MESSAGE_MAX]
    if condition == EVENT_AGE_EXCEEDED:
        return "429", "Event age exceeded the function's maximum event age"
    return "500", condition
