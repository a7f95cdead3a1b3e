"""SQS operations: wire parameters in, output members out. Translation only; every rule
is in `nubis.control.queues`. Each method takes the parsed input and the base URL (queue
URLs are built from how the caller reached us); `handlers` adapts them to the gateway's
one handler signature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control import queue_rules as rules
from nubis.control.queues import QueueService, SendRequest, SendResult
from nubis.model.errors import NubisError
from nubis.model.queue import MessageAttribute, StoredMessage
from nubis.model.queue_errors import (
    QueueError,
    ReceiptHandleIsInvalid,
)

SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # what a receive reports as `SenderId`
_SYSTEM_NAMES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)

Params = dict[str, Any]
Translation = Callable[[Params, str], Awaitable[dict[str, Any]]]


def _wire_attribute(a: MessageAttribute) -> dict[str, Any]:
    out: dict[str, Any] = {"DataType": a.data_type}
    if a.string_value is not None:
        out["StringValue"] = a.string_value
    if a.binary_value is not None:
        out["BinaryValue"] = a.binary_value
    return out


def _send_output(r: SendResult) -> dict[str, Any]:
    out: dict[str, Any] = {"MessageId": r.message_id, "MD5OfMessageBody": r.md5_body}
    if r.md5_attributes:
        out["MD5OfMessageAttributes"] = r.md5_attributes
    if r.md5_system_attributes:
        out["MD5OfMessageSystemAttributes"] = r.md5_system_attributes
    if r.sequence_number:
        out["SequenceNumber"] = r.sequence_number
    return out


def _failure(entry_id: str, exc: NubisError) -> dict[str, Any]:
    code = exc.query_code if isinstance(exc, QueueError) else exc.wire_type
    return {"Id": entry_id, "SenderFault": True, "Code": code, "Message": exc.message}


def _handler(translate: Translation) -> Handler:
    async def handler(request: OperationRequest) -> OperationResult:
        return OperationResult(await translate(request.params, request.base_url))

    return handler


def _send_request(p: Mapping[str, Any]) -> SendRequest:
    return SendRequest(
        body=p.get("MessageBody") or "",
        attributes=p.get("MessageAttributes"),
        system_attributes=p.get("MessageSystemAttributes"),
        delay_seconds=p.get("DelaySeconds"),
        group_id=p.get("MessageGroupId"),
        dedup_id=p.get("MessageDeduplicationId"),
    )


class SqsOperations:
    def __init__(self, queues: QueueService) -> None:
        self._q = queues
        translations: dict[str, Translation] = {
            "CreateQueue": self.create_queue,
            "GetQueueUrl": self.get_queue_url,
            "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue,
            "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes,
            "PurgeQueue": self.purge_queue,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessage": self.delete_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "ChangeMessageVisibility": self.change_message_visibility,
            "ChangeMessageVisibilityBatch": self.change_message_visibility_batch,
        }
        self.handlers: dict[str, Handler] = {
            name: _handler(translate) for name, translate in translations.items()
        }

    # ----------------------------------------------------------------- queues
    async def create_queue(self, p: Params, base_url: str) -> dict[str, Any]:
        record = await self._q.create(p["QueueName"], p.get("Attributes"), p.get("tags"))
        return {"QueueUrl": self._q.url(base_url, record.name)}

    async def get_queue_url(self, p: Params, base_url: str) -> dict[str, Any]:
        record = await self._q.queue(p["QueueName"])
        return {"QueueUrl": self._q.url(base_url, record.name)}

    async def list_queues(self, p: Params, base_url: str) -> dict[str, Any]:
        records = await self._q.list_queues(p.get("QueueNamePrefix"))
        names, next_token = rules.page_of_names(
            [r.name for r in records], p.get("NextToken"), p.get("MaxResults")
        )
        out: dict[str, Any] = {}
        if next_token is not None:
            out["NextToken"] = next_token
        if names:
            out["QueueUrls"] = [self._q.url(base_url, n) for n in names]
        return out

    async def delete_queue(self, p: Params, base_url: str) -> dict[str, Any]:
        await self._q.delete(self._q.name_of_url(p["QueueUrl"]))
        return {}

    async def purge_queue(self, p: Params, base_url: str) -> dict[str, Any]:
        await self._q.purge(self._q.name_of_url(p["QueueUrl"]))
        return {}

    async def get_queue_attributes(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        attrs = await self._q.get_attributes(name, p.get("AttributeNames"))
        return {"Attributes": attrs} if attrs else {}

    async def set_queue_attributes(self, p: Params, base_url: str) -> dict[str, Any]:
        await self._q.set_attributes(self._q.name_of_url(p["QueueUrl"]), p["Attributes"])
        return {}

    # ----------------------------------------------------------------- messages
    async def send_message(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        (result,) = await self._q.send(name, [_send_request(p)])
        return _send_output(result)

    async def send_message_batch(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        entries = p.get("Entries") or []
        rules.check_batch_ids([e["Id"] for e in entries], "SendMessageBatchRequestEntry")
        rules.check_batch_size([e.get("MessageBody") or "" for e in entries])
        results = await self._q.send_each(name, [_send_request(e) for e in entries])
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry, result in zip(entries, results, strict=True):
            if isinstance(result, NubisError):
                failed.append(_failure(entry["Id"], result))
            elif isinstance(result, SendResult):
                ok.append({"Id": entry["Id"], **_send_output(result)})
        return {"Successful": ok, "Failed": failed}

    async def receive_message(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        messages = await self._q.receive(
            name,
            p.get("MaxNumberOfMessages"),
            p.get("VisibilityTimeout"),
            p.get("WaitTimeSeconds"),
        )
        if not messages:
            return {}
        system = {*(p.get("AttributeNames") or ()), *(p.get("MessageSystemAttributeNames") or ())}
        wanted = p.get("MessageAttributeNames") or []
        return {"Messages": [self._message(name, m, system, wanted) for m in messages]}

    def _message(
        self, name: str, m: StoredMessage, system: set[str], wanted: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MessageId": m.message_id,
            "ReceiptHandle": self._q.receipt_handle(name, m),
            "MD5OfBody": m.md5_body,
            "Body": m.body,
        }
        if system:
            every = "All" in system
            values = {
                "SenderId": SENDER_ID,
                "SentTimestamp": str(int(m.sent_at * 1000)),
                "ApproximateReceiveCount": str(m.receive_count),
                "ApproximateFirstReceiveTimestamp": str(int((m.first_receive_at or 0) * 1000)),
                "SequenceNumber": f"{m.seq:020d}" if m.group_id else None,
                "MessageDeduplicationId": m.dedup_id.rpartition("\x00")[2] if m.dedup_id else None,
                "MessageGroupId": m.group_id,
                "AWSTraceHeader": m.system_attributes["AWSTraceHeader"].string_value
                if "AWSTraceHeader" in m.system_attributes
                else None,
                "DeadLetterQueueSourceArn": m.dead_letter_source,
            }
            attrs = {
                k: v
                for k in _SYSTEM_NAMES
                if (every or k in system) and (v := values.get(k)) is not None
            }
            if attrs:
                out["Attributes"] = attrs
        if wanted and m.attributes:
            every = any(w in ("All", ".*") for w in wanted)
            prefixes = tuple(w[:-1] for w in wanted if w.endswith(".*") and w != ".*")
            chosen = {
                k: v
                for k, v in m.attributes.items()
                if every or k in wanted or (prefixes and k.startswith(prefixes))
            }
            if chosen:
                out["MessageAttributes"] = {k: _wire_attribute(v) for k, v in chosen.items()}
                out["MD5OfMessageAttributes"] = rules.md5_attributes(chosen)
        return out

    async def delete_message(self, p: Params, base_url: str) -> dict[str, Any]:
        await self._q.delete_message(self._q.name_of_url(p["QueueUrl"]), p["ReceiptHandle"])
        return {}

    async def delete_message_batch(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        entries = p.get("Entries") or []
        rules.check_batch_ids([e["Id"] for e in entries], "DeleteMessageBatchRequestEntry")
        await self._q.queue(name)
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for e in entries:
            try:
                await self._q.delete_message(name, e["ReceiptHandle"])
                ok.append({"Id": e["Id"]})
            except ReceiptHandleIsInvalid as exc:
                failed.append(_failure(e["Id"], exc))
        return {"Successful": ok, "Failed": failed}

    async def change_message_visibility(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        await self._q.change_visibility(name, p["ReceiptHandle"], p["VisibilityTimeout"])
        return {}

    async def change_message_visibility_batch(self, p: Params, base_url: str) -> dict[str, Any]:
        name = self._q.name_of_url(p["QueueUrl"])
        entries = p.get("Entries") or []
        rules.check_batch_ids(
            [e["Id"] for e in entries], "ChangeMessageVisibilityBatchRequestEntry"
        )
        await self._q.queue(name)
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for e in entries:
            try:
                await self._q.change_visibility(
                    name, e["ReceiptHandle"], e.get("VisibilityTimeout") or 0
                )
                ok.append({"Id": e["Id"]})
            except QueueError as exc:
                failed.append(_failure(e["Id"], exc))
        return {"Successful": ok, "Failed": failed}
