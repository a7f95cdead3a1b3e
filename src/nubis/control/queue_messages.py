"""A queue's messages: sending (batches, FIFO groups and deduplication), receiving (long
polling, redrive to a dead-letter queue, the attributes asked for), receipts and
visibility; and how queues are named (URLs, ARNs). `nubis.control.queues.QueueService`
adds the queues themselves on top of this.

Callers pass typed requests (`nubis.model.queue`), never wire dicts. Long polling waits on
a per-queue `asyncio.Event` set by every send (and re-checks when the earliest delayed or
in-flight message becomes visible), so a waiting receive answers as soon as a message can
be handed out.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from nubis.control import queue_rules as rules
from nubis.model.clock import Clock
from nubis.model.queue import (
    BatchFailure,
    BatchResult,
    NewMessage,
    QueueRecord,
    ReceiptEntry,
    ReceivedMessage,
    ReceiveRequest,
    Redrive,
    SendEntry,
    SendRequest,
    SendResult,
    SentMessage,
    StoredMessage,
)
from nubis.model.queue_errors import (
    InvalidParameterValue,
    MessageNotInflight,
    MissingParameter,
    QueueDoesNotExist,
    QueueError,
    ReceiptHandleIsInvalid,
)
from nubis.store.base import QueueStore

_POLL_CAP_S = 1.0  # a long poll re-checks at least this often (expired leases, clock skew)
SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # what a receive reports as `SenderId`
MSG_NO_QUEUE = "The specified queue does not exist."


def queue_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def failure(entry_id: str, exc: QueueError) -> BatchFailure:
    """A batch entry's failure as SQS reports it (the query code, a sender fault)."""
    return BatchFailure(entry_id, exc.query_code, exc.message)


class QueueMessages:
    def __init__(self, store: QueueStore, clock: Clock, region: str, account: str) -> None:
        self._store = store
        self._clock = clock
        self.region = region
        self.account = account
        self._signals: dict[str, asyncio.Event] = {}

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
        raise QueueDoesNotExist(MSG_NO_QUEUE)

    def name_of_arn(self, arn: str) -> str | None:
        prefix = f"arn:aws:sqs:{self.region}:{self.account}:"
        return arn[len(prefix) :] if arn.startswith(prefix) else None

    async def queue(self, name: str) -> QueueRecord:
        record = await self._store.get_queue(name)
        if record is None:
            raise QueueDoesNotExist(MSG_NO_QUEUE)
        return record

    # ------------------------------------------------------------------ sending
    async def send(self, name: str, requests: Sequence[SendRequest]) -> list[SendResult]:
        """Validate every message first, then store them in one transaction."""
        record = await self.queue(name)
        return await self._send(record, [self._new_message(record, r) for r in requests])

    async def send_batch(self, name: str, entries: Sequence[SendEntry]) -> BatchResult:
        """SendMessageBatch: the batch as a whole first (ids, total size, FIFO ids), then
        each entry on its own; the valid ones are stored together."""
        rules.check_batch_ids([e.id for e in entries], "SendMessageBatchRequestEntry")
        rules.check_batch_size(
            [
                len(e.request.body.encode()) + rules.attributes_size(e.request.attributes)
                for e in entries
            ]
        )
        record = await self.queue(name)
        if record.fifo:
            rules.check_fifo_batch(
                [e.request.group_id for e in entries],
                [e.request.dedup_id for e in entries],
                record.attributes.get("ContentBasedDeduplication") == "true",
            )
        prepared: list[NewMessage | QueueError] = []
        for e in entries:
            try:
                prepared.append(self._new_message(record, e.request))
            except QueueError as exc:
                prepared.append(exc)
        good = [p for p in prepared if isinstance(p, NewMessage)]
        sent = iter(await self._send(record, good) if good else ())
        result = BatchResult([], [])
        for e, p in zip(entries, prepared, strict=True):
            if isinstance(p, QueueError):
                result.failed.append(failure(e.id, p))
            else:
                result.successful.append((e.id, next(sent)))
        return result

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
        rules.check_message_attributes(r.attributes)
        rules.check_system_attributes(r.system_attributes)
        max_bytes = int(record.attributes.get("MaximumMessageSize", rules.MESSAGE_MAX_BYTES))
        rules.check_body(r.body, max_bytes, rules.attributes_size(r.attributes))
        delay = r.delay_seconds
        if delay is not None and not 0 <= delay <= rules.DELAY_MAX_S:
            raise InvalidParameterValue(
                f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds "
                f"must be >= 0 and <= {rules.DELAY_MAX_S}."
            )
        dedup_id = self._fifo_dedup_id(record, r) if record.fifo else self._standard(r)
        if delay is None:
            delay = int(record.attributes.get("DelaySeconds", "0"))
        return NewMessage(
            message_id=str(uuid.uuid4()),
            body=r.body,
            attributes=dict(r.attributes),
            system_attributes=dict(r.system_attributes),
            md5_body=rules.md5_body(r.body),
            md5_attributes=rules.md5_attributes(r.attributes),
            md5_system_attributes=rules.md5_attributes(r.system_attributes),
            visible_at=self._clock.time() + delay,
            group_id=r.group_id,
            dedup_id=dedup_id,
        )

    @staticmethod
    def _fifo_dedup_id(record: QueueRecord, r: SendRequest) -> str:
        """A FIFO message's group checked; its deduplication key (scoped to its group
        when the queue deduplicates per group)."""
        if r.delay_seconds:
            raise InvalidParameterValue(
                f"Value {r.delay_seconds} for parameter DelaySeconds is invalid. Reason: The "
                "request include parameter that is not valid for this queue type."
            )
        if not r.group_id:
            raise MissingParameter("The request must contain the parameter MessageGroupId.")
        rules.check_group_id(r.group_id, "MessageGroupId")
        dedup_id = r.dedup_id
        if dedup_id is None:
            if record.attributes.get("ContentBasedDeduplication") != "true":
                raise InvalidParameterValue(rules.MSG_NO_DEDUP)
            dedup_id = hashlib.sha256(r.body.encode()).hexdigest()
        rules.check_group_id(dedup_id, "MessageDeduplicationId")
        if record.attributes.get("DeduplicationScope") == "messageGroup":
            dedup_id = f"{r.group_id}\x00{dedup_id}"
        return dedup_id

    @staticmethod
    def _standard(r: SendRequest) -> None:
        if r.dedup_id is not None:
            raise InvalidParameterValue(
                "Value for parameter MessageDeduplicationId is invalid. Reason: The request "
                "includes a parameter that is not valid for this queue type."
            )
        if r.group_id is not None:
            rules.check_group_id(r.group_id, "MessageGroupId")

    # ------------------------------------------------------------------ receiving
    async def receive(self, name: str, request: ReceiveRequest) -> list[ReceivedMessage]:
        record = await self.queue(name)
        limit = 1 if request.max_messages is None else request.max_messages
        if not 1 <= limit <= rules.RECEIVE_MAX:
            raise InvalidParameterValue(
                f"Value {limit} for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                f"between 1 and {rules.RECEIVE_MAX}, if provided."
            )
        visibility_s = request.visibility_s
        if visibility_s is None:
            visibility_s = int(record.attributes.get("VisibilityTimeout", "30"))
        elif not 0 <= visibility_s <= rules.VISIBILITY_MAX_S:
            raise InvalidParameterValue(
                f"Value {visibility_s} for parameter VisibilityTimeout is invalid. Reason: "
                f"Must be >= 0 and <= {rules.VISIBILITY_MAX_S}, if provided."
            )
        wait_s = request.wait_s
        if wait_s is None:
            wait_s = int(record.attributes.get("ReceiveMessageWaitTimeSeconds", "0"))
        elif not 0 <= wait_s <= rules.WAIT_MAX_S:
            raise InvalidParameterValue(
                f"Value {wait_s} for parameter WaitTimeSeconds is invalid. Reason: Must be "
                f">= 0 and <= {rules.WAIT_MAX_S}."
            )
        got = await self._poll(record, limit, visibility_s, wait_s)
        return [self._received(name, m, request) for m in got]

    async def _redrive(self, record: QueueRecord) -> Redrive | None:
        """Where this queue's dead letters go: nowhere while its dead-letter queue is not a
        queue of this server (another account's, or deleted): they stay."""
        policy = record.attributes.get("RedrivePolicy")
        if not policy:
            return None
        target_arn, count = rules.parse_redrive_policy(policy)
        target = self.name_of_arn(target_arn)
        if target is None or await self._store.get_queue(target) is None:
            return None
        return Redrive(target, count, self.arn(record.name))

    async def _poll(
        self, record: QueueRecord, limit: int, visibility_s: int, wait_s: int
    ) -> list[StoredMessage]:
        name, redrive = record.name, await self._redrive(record)
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

    def _received(self, name: str, m: StoredMessage, request: ReceiveRequest) -> ReceivedMessage:
        trace = m.system_attributes.get("AWSTraceHeader")
        values = {
            "SenderId": SENDER_ID,
            "SentTimestamp": str(int(m.sent_at * 1000)),
            "ApproximateReceiveCount": str(m.receive_count),
            "ApproximateFirstReceiveTimestamp": str(int((m.first_receive_at or 0) * 1000)),
            "SequenceNumber": f"{m.seq:020d}" if m.group_id else None,
            "MessageDeduplicationId": m.dedup_id.rpartition("\x00")[2] if m.dedup_id else None,
            "MessageGroupId": m.group_id,
            "AWSTraceHeader": trace.string_value if trace is not None else None,
            "DeadLetterQueueSourceArn": m.dead_letter_source,
        }
        chosen = rules.select_message_attributes(m.attributes, request.message_attribute_names)
        return ReceivedMessage(
            message_id=m.message_id,
            receipt_handle=self.receipt_handle(name, m),
            md5_body=m.md5_body,
            body=m.body,
            system_attributes=rules.select_system_attributes(
                values, request.system_attribute_names
            ),
            message_attributes=chosen,
            md5_message_attributes=rules.md5_attributes(chosen),
        )

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

    async def delete_batch(self, name: str, entries: Sequence[ReceiptEntry]) -> BatchResult:
        rules.check_batch_ids([e.id for e in entries], "DeleteMessageBatchRequestEntry")
        await self.queue(name)
        result = BatchResult([], [])
        for e in entries:
            try:
                await self.delete_message(name, e.receipt_handle)
                result.successful.append((e.id, None))
            except ReceiptHandleIsInvalid as exc:
                result.failed.append(failure(e.id, exc))
        return result

    async def change_visibility(self, name: str, handle: str, visibility_s: int) -> None:
        """Allowed while `handle` is the message's latest receipt, also once its
        visibility timeout has expired (until it is received again)."""
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

    async def change_visibility_batch(
        self, name: str, entries: Sequence[ReceiptEntry]
    ) -> BatchResult:
        rules.check_batch_ids([e.id for e in entries], "ChangeMessageVisibilityBatchRequestEntry")
        await self.queue(name)
        result = BatchResult([], [])
        for e in entries:
            try:
                await self.change_visibility(name, e.receipt_handle, e.visibility_s)
                result.successful.append((e.id, None))
            except QueueError as exc:
                result.failed.append(failure(e.id, exc))
        return result
