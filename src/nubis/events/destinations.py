"""Delivery of invocation records to destinations and dead-letter queues: an SQS queue of
the built-in queue service, or a function (invoked asynchronously, as Lambda does).
Delivery goes through `control` (QueueService, Invoker), never around it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from nubis.control.invoke import EVENT, Invocation, Invoker
from nubis.control.queues import QueueService, SendRequest
from nubis.model.arn import parse_function_ref
from nubis.model.errors import NubisError
from nubis.model.queue import MessageAttribute

log = logging.getLogger(__name__)


class Destinations:
    def __init__(self, queues: QueueService, invoker: Invoker) -> None:
        self._queues = queues
        self._invoker = invoker

    async def deliver(
        self, arn: str, body: str, attributes: Mapping[str, str] | None = None
    ) -> bool:
        """Send `body` (with string message attributes, for queues) to `arn`; True once it
        is durably held there. Failures are logged, never raised: a destination that is
        gone must not keep an event alive forever."""
        try:
            if arn.startswith("arn:aws:sqs:"):
                name = self._queues.name_of_arn(arn)
                if name is None:
                    raise LookupError(f"{arn} is not a queue of this account and region")
                attrs = {
                    k: MessageAttribute("Number" if v.isdigit() else "String", string_value=v)
                    for k, v in (attributes or {}).items()
                }
                await self._queues.send(name, [SendRequest(body=body, attributes=attrs)])
                return True
            ref = parse_function_ref(arn)
            if ref is None:
                raise LookupError(f"{arn} is neither a queue nor a function")
            await self._invoker.invoke(
                Invocation(
                    function_name=ref.name,
                    qualifier=ref.qualifier,
                    payload=body.encode(),
                    request_id=str(uuid.uuid4()),
                    invocation_type=EVENT,
                )
            )
            return True
        except NubisError as exc:
            log.warning("could not deliver to %s: %s: %s", arn, exc.wire_type, exc.message)
        except LookupError as exc:
            log.warning("could not deliver to %s: %s", arn, exc)
        return False
