"""CloudWatch Logs as plain data: log groups, log streams, log events, and the typed
requests of the Logs API (`nubis.control.logs.service`).

Times are integers of milliseconds since the epoch, as the API carries them. An event's
place in its stream is its `Position` (timestamp, then the store's sequence number, which
is unique across the whole store): GetLogEvents' tokens and FilterLogEvents' order are
positions, and an event's `eventId` is its position written as AWS writes its ids
(56 decimal digits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

EVENT_ID_DIGITS = 56
_TS_DIGITS = 20  # the timestamp's part of an id; the sequence number takes the rest


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """Where an event sits in its stream: ordered by timestamp, then by arrival."""

    timestamp: int
    seq: int

    def encode(self) -> str:
        """56 digits, like AWS's event ids; `decode` reverses it."""
        return f"{self.timestamp:0{_TS_DIGITS}d}{self.seq:0{EVENT_ID_DIGITS - _TS_DIGITS}d}"

    @staticmethod
    def decode(text: str) -> Position | None:
        if len(text) != EVENT_ID_DIGITS or not text.isdigit():
            return None
        return Position(int(text[:_TS_DIGITS]), int(text[_TS_DIGITS:]))


START = Position(0, 0)  # before every event (timestamps are never negative)


@dataclass(frozen=True, slots=True)
class LogGroup:
    name: str
    created: int  # ms
    retention_days: int | None = None  # None: events never expire
    stored_bytes: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LogStream:
    group: str
    name: str
    created: int  # ms
    first_event: int | None = None  # ms; None until an event is stored
    last_event: int | None = None
    last_ingestion: int | None = None
    sequence: int = 0  # how many PutLogEvents batches were stored: the upload token


@dataclass(frozen=True, slots=True)
class NewEvent:
    timestamp: int  # ms
    message: str


@dataclass(frozen=True, slots=True)
class LogEvent:
    """A stored event. `seq` is unique across the store and never reused."""

    stream: str
    timestamp: int
    message: str
    ingestion_time: int
    seq: int

    @property
    def position(self) -> Position:
        return Position(self.timestamp, self.seq)

    @property
    def event_id(self) -> str:
        return self.position.encode()


class StreamOrder(Enum):
    NAME = "LogStreamName"
    LAST_EVENT_TIME = "LastEventTime"


@dataclass(frozen=True, slots=True)
class StreamKey:
    """A keyset position in a listing of streams (the last one of a page)."""

    name: str
    last_event: int = 0  # used when ordered by last event time


# ------------------------------------------------------------------ requests
@dataclass(frozen=True, slots=True)
class DescribeGroups:
    prefix: str | None = None
    pattern: str | None = None  # logGroupNamePattern: case-insensitive substring
    limit: int | None = None
    next_token: str | None = None
    identifiers: Sequence[str] | None = None  # logGroupIdentifiers: names or ARNs


@dataclass(frozen=True, slots=True)
class DescribeStreams:
    group: str
    prefix: str | None = None
    order: StreamOrder = StreamOrder.NAME
    descending: bool = False
    limit: int | None = None
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class PutEvents:
    group: str
    stream: str
    events: Sequence[NewEvent]


@dataclass(frozen=True, slots=True)
class Rejected:
    """PutLogEvents' rejectedLogEventsInfo: indexes into the request's events."""

    too_new_start: int | None = None
    too_old_end: int | None = None
    expired_end: int | None = None

    def __bool__(self) -> bool:
        return (self.too_new_start, self.too_old_end, self.expired_end) != (None, None, None)


@dataclass(frozen=True, slots=True)
class PutResult:
    next_sequence_token: str
    rejected: Rejected


@dataclass(frozen=True, slots=True)
class GetEvents:
    group: str
    stream: str
    start_time: int | None = None
    end_time: int | None = None
    next_token: str | None = None
    limit: int | None = None
    start_from_head: bool = False


@dataclass(frozen=True, slots=True)
class EventsPage:
    events: Sequence[LogEvent]
    forward_token: str
    backward_token: str


@dataclass(frozen=True, slots=True)
class FilterEvents:
    group: str
    stream_names: Sequence[str] | None = None
    stream_prefix: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    pattern: str = ""
    next_token: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class FilteredPage:
    events: Sequence[LogEvent]
    searched_streams: Sequence[tuple[str, bool]]  # (name, searched completely)
    next_token: str | None
