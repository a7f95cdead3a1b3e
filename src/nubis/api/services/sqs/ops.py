"""SQS operations: wire parameters in, output members out. Translation only; every rule
is in `nubis.control.queues`. Each handler has the gateway's one signature
(`OperationRequest -> OperationResult`) and turns the parsed input into the typed
requests of `nubis.model.queue`; queue URLs are built from how the caller reached us
(`request.base_url`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control.queues import QueueService
from nubis.model.queue import (
    BatchResult,
    CreateQueue,
    ListPage,
    MessageAttribute,
    ReceiptEntry,
    ReceivedMessage,
    ReceiveRequest,
    SendEntry,
    SendRequest,
    SendResult,
)

Members = dict[str, Any]


# ------------------------------------------------------------------ wire -> typed
def _attribute(wire: Mapping[str, Any]) -> MessageAttribute:
    binary = wire.get("BinaryValue")
    return MessageAttribute(
        wire.get("DataType") or "",
        string_value=wire.get("StringValue"),
        binary_value=bytes(binary) if binary is not None else None,
    )


def _attributes(wire: Mapping[str, Any] | None) -> dict[str, MessageAttribute]:
    return {name: _attribute(value or {}) for name, value in (wire or {}).items()}


def _send_request(p: Mapping[str, Any]) -> SendRequest:
    return SendRequest(
        body=p.get("MessageBody") or "",
        attributes=_attributes(p.get("MessageAttributes")),
        system_attributes=_attributes(p.get("MessageSystemAttributes")),
        delay_seconds=p.get("DelaySeconds"),
        group_id=p.get("MessageGroupId"),
        dedup_id=p.get("MessageDeduplicationId"),
    )


def _page(p: Mapping[str, Any]) -> ListPage:
    return ListPage(p.get("NextToken"), p.get("MaxResults"))


def _receipt_entries(p: Mapping[str, Any]) -> list[ReceiptEntry]:
    return [
        ReceiptEntry(e["Id"], e["ReceiptHandle"], e.get("VisibilityTimeout") or 0)
        for e in p.get("Entries") or []
    ]


# ------------------------------------------------------------------ typed -> wire
def _wire_attribute(a: MessageAttribute) -> Members:
    out: Members = {"DataType": a.data_type}
    if a.string_value is not None:
        out["StringValue"] = a.string_value
    if a.binary_value is not None:
        out["BinaryValue"] = a.binary_value
    return out


def _send_output(r: SendResult) -> Members:
    out: Members = {"MessageId": r.message_id, "MD5OfMessageBody": r.md5_body}
    if r.md5_attributes:
        out["MD5OfMessageAttributes"] = r.md5_attributes
    if r.md5_system_attributes:
        out["MD5OfMessageSystemAttributes"] = r.md5_system_attributes
    if r.sequence_number:
        out["SequenceNumber"] = r.sequence_number
    return out


def _batch_output(result: BatchResult) -> Members:
    ok = [
        {"Id": entry_id, **(_send_output(sent) if sent is not None else {})}
        for entry_id, sent in result.successful
    ]
    failed = [
        {"Id": f.id, "SenderFault": f.sender_fault, "Code": f.code, "Message": f.message}
        for f in result.failed
    ]
    return {"Successful": ok, "Failed": failed}


def _message(m: ReceivedMessage) -> Members:
    out: Members = {
        "MessageId": m.message_id,
        "ReceiptHandle": m.receipt_handle,
        "MD5OfBody": m.md5_body,
        "Body": m.body,
    }
    if m.system_attributes:
        out["Attributes"] = dict(m.system_attributes)
    if m.message_attributes:
        out["MessageAttributes"] = {k: _wire_attribute(v) for k, v in m.message_attributes.items()}
        out["MD5OfMessageAttributes"] = m.md5_message_attributes
    return out


def _urls(q: QueueService, base_url: str, key: str, page: tuple[list[str], str | None]) -> Members:
    names, next_token = page
    out: Members = {}
    if next_token is not None:
        out["NextToken"] = next_token
    if names:
        out[key] = [q.url(base_url, n) for n in names]
    return out


class SqsOperations:
    def __init__(self, queues: QueueService) -> None:
        self._q = queues
        self.handlers: dict[str, Handler] = {
            "CreateQueue": self.create_queue,
            "GetQueueUrl": self.get_queue_url,
            "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue,
            "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes,
            "PurgeQueue": self.purge_queue,
            "TagQueue": self.tag_queue,
            "UntagQueue": self.untag_queue,
            "ListQueueTags": self.list_queue_tags,
            "ListDeadLetterSourceQueues": self.list_dead_letter_source_queues,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessage": self.delete_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "ChangeMessageVisibility": self.change_message_visibility,
            "ChangeMessageVisibilityBatch": self.change_message_visibility_batch,
        }

    def _name(self, request: OperationRequest) -> str:
        return self._q.name_of_url(request.params["QueueUrl"])

    # ----------------------------------------------------------------- queues
    async def create_queue(self, request: OperationRequest) -> OperationResult:
        p = request.params
        create = CreateQueue(p["QueueName"], p.get("Attributes") or {}, p.get("tags") or {})
        record = await self._q.create(create)
        return OperationResult({"QueueUrl": self._q.url(request.base_url, record.name)})

    async def get_queue_url(self, request: OperationRequest) -> OperationResult:
        record = await self._q.queue(request.params["QueueName"])
        return OperationResult({"QueueUrl": self._q.url(request.base_url, record.name)})

    async def list_queues(self, request: OperationRequest) -> OperationResult:
        p = request.params
        page = await self._q.list_queues(p.get("QueueNamePrefix"), _page(p))
        return OperationResult(_urls(self._q, request.base_url, "QueueUrls", page))

    async def list_dead_letter_source_queues(self, request: OperationRequest) -> OperationResult:
        page = await self._q.dead_letter_sources(self._name(request), _page(request.params))
        # The output member is `queueUrls`, lower case, in SQS's model.
        return OperationResult(_urls(self._q, request.base_url, "queueUrls", page))

    async def delete_queue(self, request: OperationRequest) -> OperationResult:
        await self._q.delete(self._name(request))
        return OperationResult({})

    async def purge_queue(self, request: OperationRequest) -> OperationResult:
        await self._q.purge(self._name(request))
        return OperationResult({})

    async def get_queue_attributes(self, request: OperationRequest) -> OperationResult:
        names = request.params.get("AttributeNames") or []
        attrs = await self._q.get_attributes(self._name(request), names)
        return OperationResult({"Attributes": attrs} if attrs else {})

    async def set_queue_attributes(self, request: OperationRequest) -> OperationResult:
        await self._q.set_attributes(self._name(request), request.params["Attributes"])
        return OperationResult({})

    async def tag_queue(self, request: OperationRequest) -> OperationResult:
        await self._q.tag(self._name(request), request.params.get("Tags") or {})
        return OperationResult({})

    async def untag_queue(self, request: OperationRequest) -> OperationResult:
        await self._q.untag(self._name(request), request.params.get("TagKeys") or [])
        return OperationResult({})

    async def list_queue_tags(self, request: OperationRequest) -> OperationResult:
        tags = await self._q.tags(self._name(request))
        return OperationResult({"Tags": tags} if tags else {})

    # ----------------------------------------------------------------- messages
    async def send_message(self, request: OperationRequest) -> OperationResult:
        (result,) = await self._q.send(self._name(request), [_send_request(request.params)])
        return OperationResult(_send_output(result))

    async def send_message_batch(self, request: OperationRequest) -> OperationResult:
        entries = [
            SendEntry(e["Id"], _send_request(e)) for e in request.params.get("Entries") or []
        ]
        result = await self._q.send_batch(self._name(request), entries)
        return OperationResult(_batch_output(result))

    async def receive_message(self, request: OperationRequest) -> OperationResult:
        p = request.params
        receive = ReceiveRequest(
            max_messages=p.get("MaxNumberOfMessages"),
            visibility_s=p.get("VisibilityTimeout"),
            wait_s=p.get("WaitTimeSeconds"),
            system_attribute_names=(
                *(p.get("AttributeNames") or ()),
                *(p.get("MessageSystemAttributeNames") or ()),
            ),
            message_attribute_names=tuple(p.get("MessageAttributeNames") or ()),
        )
        messages = await self._q.receive(self._name(request), receive)
        return OperationResult({"Messages": [_message(m) for m in messages]} if messages else {})

    async def delete_message(self, request: OperationRequest) -> OperationResult:
        await self._q.delete_message(self._name(request), request.params["ReceiptHandle"])
        return OperationResult({})

    async def delete_message_batch(self, request: OperationRequest) -> OperationResult:
        entries = _receipt_entries(request.params)
        result = await self._q.delete_batch(self._name(request), entries)
        return OperationResult(_batch_output(result))

    async def change_message_visibility(self, request: OperationRequest) -> OperationResult:
        p = request.params
        await self._q.change_visibility(
            self._name(request), p["ReceiptHandle"], p["VisibilityTimeout"]
        )
        return OperationResult({})

    async def change_message_visibility_batch(self, request: OperationRequest) -> OperationResult:
        entries = _receipt_entries(request.params)
        result = await self._q.change_visibility_batch(self._name(request), entries)
        return OperationResult(_batch_output(result))
