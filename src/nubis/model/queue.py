"""Queues (the SQS-compatible service) as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FIFO_SUFFIX = ".fifo"


@dataclass(frozen=True)
class QueueRecord:
    """A queue as stored: its name and its settable attributes (SQS's string values)."""

    name: str
    attributes: Mapping[str, str]
    created: float  # epoch seconds
    modified: float
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"


@dataclass(frozen=True)
class MessageAttribute:
    """One message attribute: `data_type` is String, Number or Binary (+ `.label`)."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.data_type}
        if self.string_value is not None:
            out["s"] = self.string_value
        if self.binary_value is not None:
            out["b"] = self.binary_value.hex()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> MessageAttribute:
        b = d.get("b")
        return cls(d["t"], d.get("s"), bytes.fromhex(b) if b is not None else None)


@dataclass(frozen=True)
class NewMessage:
    """A message on its way into a queue (already validated)."""

    message_id: str
    body: str
    attributes: Mapping[str, MessageAttribute]
    system_attributes: Mapping[str, MessageAttribute]  # AWSTraceHeader
    md5_body: str
    md5_attributes: str | None
    md5_system_attributes: str | None
    visible_at: float  # epoch seconds; later than `sent_at` when delayed
    group_id: str | None = None
    dedup_id: str | None = None


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    sequence_number: str | None  # FIFO only
    duplicate: bool = False  # FIFO: an earlier message had the same deduplication id


@dataclass(frozen=True)
class StoredMessage:
    """A message as a receive hands it out (`receipt` names this one receive)."""

    seq: int
    message_id: str
    body: str
    attributes: Mapping[str, MessageAttribute]
    system_attributes: Mapping[str, MessageAttribute]
    md5_body: str
    md5_attributes: str | None
    md5_system_attributes: str | None
    sent_at: float
    receive_count: int
    first_receive_at: float | None
    receipt: str
    group_id: str | None = None
    dedup_id: str | None = None
    dead_letter_source: str | None = None  # the ARN it was moved from, if redriven
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Redrive:
    """Where messages go after `max_receive_count` receives."""

    target: str  # queue name
    max_receive_count: int
    source_arn: str


@dataclass(frozen=True)
class QueueCounts:
    visible: int
    in_flight: int
    delayed: int


# ------------------------------------------------------------------ typed requests
# What the queue service (`nubis.control.queues`) takes and returns: parsed off the wire
# by the API, never wire dicts.


@dataclass(frozen=True)
class CreateQueue:
    name: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListPage:
    """A page request (ListQueues, ListDeadLetterSourceQueues)."""

    next_token: str | None = None
    max_results: int | None = None


@dataclass(frozen=True)
class SendRequest:
    body: str
    attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    system_attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
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


@dataclass(frozen=True)
class SendEntry:
    id: str
    request: SendRequest


@dataclass(frozen=True)
class ReceiptEntry:
    """A DeleteMessageBatch or ChangeMessageVisibilityBatch entry."""

    id: str
    receipt_handle: str
    visibility_s: int = 0  # ChangeMessageVisibilityBatch only


@dataclass(frozen=True)
class BatchFailure:
    id: str
    code: str  # the query code, as SQS reports it in a batch
    message: str
    sender_fault: bool = True


@dataclass(frozen=True)
class BatchResult:
    """Entries that succeeded (id, and the send's result for SendMessageBatch), and the
    ones that failed, in request order."""

    successful: list[tuple[str, SendResult | None]]
    failed: list[BatchFailure]


@dataclass(frozen=True)
class ReceiveRequest:
    max_messages: int | None = None
    visibility_s: int | None = None
    wait_s: int | None = None
    # AttributeNames and MessageSystemAttributeNames together
    system_attribute_names: tuple[str, ...] = ()
    message_attribute_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceivedMessage:
    """A message as ReceiveMessage answers it, with the attributes asked for."""

    message_id: str
    receipt_handle: str
    md5_body: str
    body: str
    system_attributes: Mapping[str, str]
    message_attributes: Mapping[str, MessageAttribute]
    md5_message_attributes: str | None
