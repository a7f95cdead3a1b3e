"""The queue service's rules: queues, messages, receipts, long polling, redrive, FIFO.

Callers pass plain values (already parsed off the wire); the store holds the data. Queue
URLs are `<base_url>/<account>/<name>` and ARNs `arn:aws:sqs:<region>:<account>:<name>`.
Long polling waits on a per-queue `asyncio.Event` set by every send (and re-checks when
the earliest delayed or in-flight message becomes visible), so a waiting receive answers
as soon as a message can be handed out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from nubis.control import queue_rules as rules
from nubis.model.clock import Clock
from nubis.model.queue import (
    FIFO_SUFFIX,
    MessageAttribute,
    NewMessage,
    QueueRecord,
    Redrive,
    SentMessage,
    StoredMessage,
)
from nubis.model.queue_errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    MessageNotInflight,
    MissingParameter,
    PurgeQueueInProgress,
    QueueDoesNotExist,
    QueueError,
    QueueNameExists,
    ReceiptHandleIsInvalid,
)
from nubis.store.base import QueueStore

_POLL_CAP_S = 1.0  # a long poll re-checks at least this often (expired leases, clock skew)


@dataclass(frozen=True)
class SendRequest:
    body: str
    attributes: Mapping[str, Any] | None = None  # wire MessageAttributes
    system_attributes: Mapping[str, Any] | None = None  # wire MessageSystemAttributes
    delay_seconds: int | None = None
    group_id: str | None = None
    dedup_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    message_id: str
    md5_body: str
    md5_attributes: str | None
    md5_system_attributes: str | None
    sequence_number: str | None


def queue_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


class QueueService:
    def __init__(self, store: QueueStore, clock: Clock, region: str, account: str) -> None:
        self._store = store
        self._clock = clock
        self.region = region
        self.account = account
        self._signals: dict[str, asyncio.Event] = {}
        self._last_purge: dict[str, float] = {}

    # ------------------------------------------------------------------ naming
    def url(self, base_url: str, name: str) -> str:
        return f"{base_url.rstrip('/')}/{self.account}/{name}"

    def arn(self, name: str) -> str:
        return queue_arn(self.region, self.account, name)

    def name_of_url(self, url: str) -> str:
        """The queue name in a queue URL (any host: clients reach us by many names)."""
        if not url:
            raise MissingParameter("The request must contain the parameter QueueUrl.")
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if len(parts) == 2 and parts[0] == self.account:
            return parts[1]
        if len(parts) == 1 and "://" not in url:
            return parts[0]  # a bare name, as some tools send it
        raise QueueDoesNotExist("The specified queue does not exist.")

    def name_of_arn(self, arn: str) -> str | None:
        prefix = f"arn:aws:sqs:{self.region}:{self.account}:"
        return arn[len(prefix) :] if arn.startswith(prefix) else None

    async def queue(self, name: str) -> QueueRecord:
        record = await self._store.get_queue(name)
        if record is None:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return record

    # ------------------------------------------------------------------ queues
    async def create(
        self, name: str, attributes: Mapping[str, str] | None, tags: Mapping[str, str] | None
    ) -> QueueRecord:
        attributes = dict(attributes or {})
        fifo = attributes.get("FifoQueue", "false") == "true"
        if attributes.get("FifoQueue") == "false":
            attributes.pop("FifoQueue")
        if name.endswith(FIFO_SUFFIX) and not fifo:
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                "or underscores, must end with .fifo suffix and be 1 to 80 in length."
            )
        rules.check_queue_name(name, fifo)
        rules.check_attributes(attributes, fifo, creating=True)
        full = {**rules.DEFAULTS, **(rules.FIFO_DEFAULTS if fifo else {}), **attributes}
        now = self._clock.time()
        stored = await self._store.create_queue(QueueRecord(name, full, now, now))
        if stored.created != now or dict(stored.attributes) != full:
            for key, value in attributes.items():
                if stored.attributes.get(key) != value:
                    raise QueueNameExists(
                        "A queue already exists with the same name and a different value for "
                        f"attribute {key}"
                    )
        return stored

    async def list_queues(self, prefix: str | None) -> list[QueueRecord]:
        return await self._store.list_queues(prefix or "")

    async def delete(self, name: str) -> None:
        if not await self._store.delete_queue(name):
            raise QueueDoesNotExist("The specified queue does not exist.")
        self._wake(name)

    async def purge(self, name: str) -> None:
        await self.queue(name)
        now = self._clock.monotonic()
        last = self._last_purge.get(name)
        if last is not None and now - last < rules.PURGE_INTERVAL_S:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {name} is allowed every 60 seconds."
            )
        self._last_purge[name] = now
        await self._store.purge(name)

    async def get_attributes(self, name: str, names: Sequence[str] | None) -> dict[str, str]:
        record = await self.queue(name)
        wanted = set(names or ())
        known = rules.SETTABLE | rules.COMPUTED | {"All"}
        for n in wanted:
            if n not in known:
                raise InvalidAttributeName(f"Unknown Attribute {n}.")
        if not wanted:
            return {}
        everything = "All" in wanted
        out: dict[str, str] = {
            k: v for k, v in record.attributes.items() if everything or k in wanted
        }
        if everything or wanted & rules.COMPUTED:
            counts = await self._store.counts(name, self._clock.time())
            computed = {
                "ApproximateNumberOfMessages": str(counts.visible),
                "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
                "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
                "CreatedTimestamp": str(int(record.created)),
                "LastModifiedTimestamp": str(int(record.modified)),
                "QueueArn": self.arn(name),
            }
            out.update({k: v for k, v in computed.items() if everything or k in wanted})
        return out

    async def set_attributes(self, name: str, attributes: Mapping[str, str]) -> None:
        record = await self.queue(name)
        rules.check_attributes(attributes, record.fifo, creating=False)
        await self._store.set_attributes(name, attributes, self._clock.time())
        self._wake(name)

    # ------------------------------------------------------------------ messages
    async def send(self, name: str, requests: Sequence[SendRequest]) -> list[SendResult]:
        """Validate every message first, then store them in one transaction."""
        record = await self.queue(name)
        return await self._send(record, [self._new_message(record, r) for r in requests])

    async def send_each(
        self, name: str, requests: Sequence[SendRequest]
    ) -> list[SendResult | Exception]:
        """A batch: each entry validated on its own; the valid ones stored together."""
        record = await self.queue(name)
        prepared: list[NewMessage | Exception] = []
        for r in requests:
            try:
                prepared.append(self._new_message(record, r))
            except QueueError as exc:
                prepared.append(exc)
        good = [p for p in prepared if isinstance(p, NewMessage)]
        sent = iter(await self._send(record, good)) if good else iter(())
        return [p if isinstance(p, Exception) else next(sent) for p in prepared]

    async def _send(self, record: QueueRecord, messages: list[NewMessage]) -> list[SendResult]:
        stored: list[SentMessage] = await self._store.send(
            record.name, messages, self._clock.time(), rules.DEDUP_WINDOW_S
        )
        self._wake(record.name)
        return [
            SendResult(
                s.message_id,
                m.md5_body,
                m.md5_attributes,
                m.md5_system_attributes,
                s.sequence_number,
            )
            for m, s in zip(messages, stored, strict=True)
        ]

    def _new_message(self, record: QueueRecord, r: SendRequest) -> NewMessage:
        attrs = rules.message_attributes(r.attributes)
        system = self._system_attributes(r.system_attributes)
        max_bytes = int(record.attributes.get("MaximumMessageSize", rules.MESSAGE_MAX_BYTES))
        rules.check_body(r.body, max_bytes, rules.attributes_size(attrs))
        delay = r.delay_seconds
        if delay is not None and not 0 <= delay <= rules.DELAY_MAX_S:
            raise InvalidParameterValue(
                f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds "
                f"must be >= 0 and <= {rules.DELAY_MAX_S}."
            )
        dedup_id = r.dedup_id
        if record.fifo:
            if delay:
                raise InvalidParameterValue(
                    f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request "
                    "include parameter that is not valid for this queue type."
                )
            if not r.group_id:
                raise MissingParameter("The request must contain the parameter MessageGroupId.")
            rules.check_group_id(r.group_id, "MessageGroupId")
            if dedup_id is None:
                if record.attributes.get("ContentBasedDeduplication") != "true":
                    raise InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
                dedup_id = hashlib.sha256(r.body.encode()).hexdigest()
            rules.check_group_id(dedup_id, "MessageDeduplicationId")
            if record.attributes.get("DeduplicationScope") == "messageGroup":
                dedup_id = f"{r.group_id}\x00{dedup_id}"
        else:
            if dedup_id is not None:
                raise InvalidParameterValue(
                    "Value for parameter MessageDeduplicationId is invalid. Reason: The request "
                    "includes a parameter that is not valid for this queue type."
                )
            if r.group_id is not None:
                rules.check_group_id(r.group_id, "MessageGroupId")
        if delay is None:
            delay = int(record.attributes.get("DelaySeconds", "0"))
        return NewMessage(
            message_id=str(uuid.uuid4()),
            body=r.body,
            attributes=attrs,
            system_attributes=system,
            md5_body=rules.md5_body(r.body),
            md5_attributes=rules.md5_attributes(attrs),
            md5_system_attributes=rules.md5_attributes(system),
            visible_at=self._clock.time() + delay,
            group_id=r.group_id,
            dedup_id=dedup_id,
        )

    @staticmethod
    def _system_attributes(raw: Mapping[str, Any] | None) -> dict[str, MessageAttribute]:
        out: dict[str, MessageAttribute] = {}
        for key, value in (raw or {}).items():
            if key != "AWSTraceHeader":
                raise InvalidParameterValue(f"Message system attribute name '{key}' is invalid.")
            if value.get("DataType") != "String" or not value.get("StringValue"):
                raise InvalidParameterValue(
                    "Message system attribute 'AWSTraceHeader' must be of type String."
                )
            out[key] = MessageAttribute("String", string_value=value["StringValue"])
        return out

    async def receive(
        self,
        name: str,
        max_messages: int | None,
        visibility_s: int | None,
        wait_s: int | None,
    ) -> list[StoredMessage]:
        record = await self.queue(name)
        limit = 1 if max_messages is None else max_messages
        if not 1 <= limit <= rules.RECEIVE_MAX:
            raise InvalidParameterValue(
                f"Value {limit} for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                f"between 1 and {rules.RECEIVE_MAX}, if provided."
            )
        if visibility_s is None:
            visibility_s = int(record.attributes.get("VisibilityTimeout", "30"))
        elif not 0 <= visibility_s <= rules.VISIBILITY_MAX_S:
            raise InvalidParameterValue(
                f"Value {visibility_s} for parameter VisibilityTimeout is invalid. Reason: "
                f"Must be >= 0 and <= {rules.VISIBILITY_MAX_S}, if provided."
            )
        if wait_s is None:
            wait_s = int(record.attributes.get("ReceiveMessageWaitTimeSeconds", "0"))
        elif not 0 <= wait_s <= rules.WAIT_MAX_S:
            raise InvalidParameterValue(
                f"Value {wait_s} for parameter WaitTimeSeconds is invalid. Reason: Must be "
                f">= 0 and <= {rules.WAIT_MAX_S}."
            )
        redrive = None
        policy = record.attributes.get("RedrivePolicy")
        if policy:
            target_arn, count = rules.parse_redrive_policy(policy)
            target = self.name_of_arn(target_arn)
            if target is not None:
                redrive = Redrive(target, count, self.arn(name))
        retention = float(record.attributes.get("MessageRetentionPeriod", "345600"))
        deadline = self._clock.monotonic() + wait_s
        while True:
            signal = self._signals.setdefault(name, asyncio.Event())
            signal.clear()
            now = self._clock.time()
            got = await self._store.receive(
                name,
                now,
                limit,
                visibility_s,
                fifo=record.fifo,
                redrive=redrive,
                retention_s=retention,
            )
            if redrive is not None:
                self._wake(redrive.target)
            remaining = deadline - self._clock.monotonic()
            if got or remaining <= 0:
                return got
            pause = min(remaining, _POLL_CAP_S)
            upcoming = await self._store.next_visible_at(name, now)
            if upcoming is not None:
                pause = max(0.0, min(pause, upcoming - now))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), timeout=pause)

    def _wake(self, name: str) -> None:
        signal = self._signals.get(name)
        if signal is not None:
            signal.set()

    # ------------------------------------------------------------------ receipts
    def receipt_handle(self, name: str, message: StoredMessage) -> str:
        text = f"{name}\x00{message.receipt}"
        return base64.urlsafe_b64encode(text.encode()).decode()

    def _receipt(self, name: str, handle: str) -> tuple[int, str]:
        try:
            queue, _, receipt = base64.urlsafe_b64decode(handle.encode()).decode().partition("\x00")
            seq, _, token = receipt.partition(":")
            if queue != name or not token:
                raise ValueError("another queue's receipt")
            return int(seq), token
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ReceiptHandleIsInvalid(
                f'The input receipt handle "{handle}" is not a valid receipt handle.'
            ) from exc

    async def delete_message(self, name: str, handle: str) -> None:
        """Deleting with a stale receipt succeeds without effect, as in SQS."""
        await self.queue(name)
        seq, token = self._receipt(name, handle)
        await self._store.delete_message(name, seq, token)

    async def change_visibility(self, name: str, handle: str, visibility_s: int) -> None:
        await self.queue(name)
        seq, token = self._receipt(name, handle)
        if not 0 <= visibility_s <= rules.VISIBILITY_MAX_S:
            raise InvalidParameterValue(
                f"Value {visibility_s} for parameter VisibilityTimeout is invalid. Reason: Must be "
                f">= 0 and <= {rules.VISIBILITY_MAX_S}, if provided."
            )
        now = self._clock.time()
        if not await self._store.change_visibility(name, seq, token, now + visibility_s, now):
            raise MessageNotInflight(
                "Message does not exist or is not available for visibility timeout change."
            )
        if visibility_s == 0:
            self._wake(name)
