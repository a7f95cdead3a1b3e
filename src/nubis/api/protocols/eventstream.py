"""An encoder of `application/vnd.amazon.eventstream` messages.

The framing every AWS event stream uses (InvokeWithResponseStream's among them), as
botocore.eventstream and aws-c-event-stream read it:

    total length (uint32) | headers length (uint32) | prelude CRC32 (of the 8 bytes before)
    headers | payload | message CRC32 (of everything before it)

A header is name length (uint8), name (UTF-8), type (uint8), value: 0/1 true/false (no
value), 2 byte, 3 int16, 4 int32, 5 int64, 6 bytes and 7 string (uint16 length + data),
8 timestamp (int64 ms since the epoch), 9 UUID (16 bytes). All integers big-endian.
Limits as botocore enforces them on reading: headers 128 KiB, payload 16 MiB.

InvokeWithResponseStream's events (botocore's lambda model,
InvokeWithResponseStreamResponseEvent): `PayloadChunk` (the payload is the bytes) and
`InvokeComplete` (a JSON object: ErrorCode, ErrorDetails, LogResult); a stream may also
end in an error message (`:message-type` error, `:error-code`, `:error-message`) or a
modeled exception (`:message-type` exception, `:exception-type`).
"""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # timestamps: aware datetimes, exact milliseconds

MAX_HEADERS_LENGTH = 128 * 1024
MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024
MAX_HEADER_NAME = 255
MAX_HEADER_VALUE = 32767  # int16 length of a string or bytes value (the format's bound)

# Header names and values of the events this module writes.
MESSAGE_TYPE = ":message-type"
EVENT_TYPE = ":event-type"
CONTENT_TYPE_HEADER = ":content-type"
ERROR_CODE = ":error-code"
ERROR_MESSAGE = ":error-message"
EXCEPTION_TYPE = ":exception-type"
EVENT = "event"
ERROR = "error"
EXCEPTION = "exception"
PAYLOAD_CHUNK = "PayloadChunk"
INVOKE_COMPLETE = "InvokeComplete"
OCTET_STREAM = "application/octet-stream"
JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Byte:
    """An int8 header value (a plain int is written as int32, or int64 when it must)."""

    value: int


@dataclass(frozen=True, slots=True)
class Short:
    """An int16 header value."""

    value: int


HeaderValue = bool | int | Byte | Short | bytes | str | datetime | uuid.UUID


class EncodeError(ValueError):
    """A message the format cannot carry (a limit passed, a value out of range)."""


def _length_prefixed(kind: int, data: bytes) -> bytes:
    if len(data) > MAX_HEADER_VALUE:
        raise EncodeError(f"header value of {len(data)} bytes exceeds {MAX_HEADER_VALUE}")
    return struct.pack("!BH", kind, len(data)) + data


def _packed(fmt: str, kind: int, value: int) -> bytes:
    try:
        return struct.pack(f"!B{fmt}", kind, value)
    except struct.error as exc:
        raise EncodeError(f"header value {value} out of range") from exc


def encode_value(value: HeaderValue) -> bytes:
    """A header's type byte and value."""
    if isinstance(value, bool):
        return bytes([0 if value else 1])
    if isinstance(value, Byte):
        return _packed("b", 2, value.value)
    if isinstance(value, Short):
        return _packed("h", 3, value.value)
    if isinstance(value, int):
        in_int32 = -(2**31) <= value < 2**31
        return _packed("i", 4, value) if in_int32 else _packed("q", 5, value)
    if isinstance(value, bytes):
        return _length_prefixed(6, value)
    if isinstance(value, str):
        return _length_prefixed(7, value.encode())
    if isinstance(value, datetime):
        return _packed("q", 8, (value - _EPOCH) // timedelta(milliseconds=1))
    return bytes([9]) + value.bytes


def encode_headers(headers: Sequence[tuple[str, HeaderValue]]) -> bytes:
    out = bytearray()
    for name, value in headers:
        raw = name.encode()
        if not raw or len(raw) > MAX_HEADER_NAME:
            raise EncodeError(f"header name of {len(raw)} bytes (1-{MAX_HEADER_NAME})")
        out += bytes([len(raw)]) + raw + encode_value(value)
    if len(out) > MAX_HEADERS_LENGTH:
        raise EncodeError(f"headers of {len(out)} bytes exceed {MAX_HEADERS_LENGTH}")
    return bytes(out)


def encode_message(headers: Sequence[tuple[str, HeaderValue]], payload: bytes = b"") -> bytes:
    """One message: prelude, its CRC, headers, payload, message CRC."""
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise EncodeError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_LENGTH}")
    encoded = encode_headers(headers)
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded))
    head = prelude + struct.pack("!I", zlib.crc32(prelude))
    body = head + encoded + payload
    return body + struct.pack("!I", zlib.crc32(body))


def event_message(event_type: str, payload: bytes, content_type: str) -> bytes:
    """An `event` message of a modeled event type."""
    headers: list[tuple[str, HeaderValue]] = [
        (EVENT_TYPE, event_type),
        (CONTENT_TYPE_HEADER, content_type),
        (MESSAGE_TYPE, EVENT),
    ]
    return encode_message(headers, payload)


def payload_chunk(data: bytes) -> bytes:
    """InvokeWithResponseStream's PayloadChunk: the next bytes of the function's response."""
    return event_message(PAYLOAD_CHUNK, data, OCTET_STREAM)


def invoke_complete(
    error_code: str | None = None,
    error_details: str | None = None,
    log_result: str | None = None,
) -> bytes:
    """InvokeWithResponseStream's last event; members that are None are left out."""
    members = {"ErrorCode": error_code, "ErrorDetails": error_details, "LogResult": log_result}
    body = json.dumps({k: v for k, v in members.items() if v is not None}).encode()
    return event_message(INVOKE_COMPLETE, body, JSON_TYPE)


def error_message(code: str, message: str) -> bytes:
    """An unmodeled error ending the stream (botocore raises EventStreamError)."""
    return encode_message([(MESSAGE_TYPE, ERROR), (ERROR_CODE, code), (ERROR_MESSAGE, message)])


def exception_message(exception_type: str, payload: bytes) -> bytes:
    """A modeled exception event (its payload the exception's JSON members)."""
    headers: list[tuple[str, HeaderValue]] = [
        (EXCEPTION_TYPE, exception_type),
        (CONTENT_TYPE_HEADER, JSON_TYPE),
        (MESSAGE_TYPE, EXCEPTION),
    ]
    return encode_message(headers, payload)
