"""The event-stream encoder against botocore's decoder and boto3's Lambda client."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import urllib3
from botocore.awsrequest import AWSResponse
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer, EventStreamMessage
from botocore.exceptions import EventStreamError

from nubis.api.protocols import eventstream as es

ENCODING_PAGE = "https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html"
STREAM_PAGE = "https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html"


def _decode(data: bytes, step: int | None = None) -> list[EventStreamMessage]:
    buffer = EventStreamBuffer()
    step = step or len(data) or 1
    out: list[EventStreamMessage] = []
    for at in range(0, len(data), step):
        buffer.add_data(data[at : at + step])
        out.extend(buffer)
    return out


def test_the_empty_message_vector() -> None:
    """A message without headers or payload: 16 bytes, prelude CRC 0x05c248eb and message
    CRC 0x7d98c8ff (the encoding's published empty-message vector; ENCODING_PAGE gives the
    framing: total length, headers length, prelude CRC, headers, payload, message CRC)."""
    assert es.encode_message([]) == bytes.fromhex("000000100000000005c248eb7d98c8ff")


VALUE_CASES = [
    (True, True),
    (False, False),
    (es.Byte(-128), -128),
    (es.Byte(127), 127),
    (es.Short(-32768), -32768),
    (es.Short(1234), 1234),
    (0, 0),
    (2**31 - 1, 2**31 - 1),
    (-(2**31), -(2**31)),
    (2**31, 2**31),
    (-(2**63), -(2**63)),
    (b"\x00\xffbin", b"\x00\xffbin"),
    (b"", b""),
    ("text", "text"),
    ("", ""),
    ("héllo ✓", "héllo ✓"),
    ("x" * 32767, "x" * 32767),
    (datetime(2026, 12, 1, 12, 0, 0, 250000, tzinfo=UTC), 1796126400250),
    (datetime(2004, 9, 23, 15, 54, 43, 735000, tzinfo=UTC), 1095954883735),
    (
        uuid.UUID("01234567-89ab-cdef-0123-456789abcdef"),
        bytes.fromhex("0123456789abcdef0123456789abcdef"),
    ),
]


@pytest.mark.parametrize(("value", "decoded"), VALUE_CASES)
def test_header_values_read_back_by_botocore(value: es.HeaderValue, decoded: Any) -> None:
    """Every header value type (ENCODING_PAGE, "Header value types") decodes in botocore's
    EventStreamBuffer to the value written (timestamps as epoch milliseconds)."""
    (message,) = _decode(es.encode_message([("h", value)], b"p"))
    assert message.headers == {"h": decoded}
    assert message.payload == b"p"


PAYLOAD_CASES = [0, 1, 7, 8, 1000, 65536, 1024 * 1024]


@pytest.mark.parametrize("size", PAYLOAD_CASES)
def test_payload_chunks_of_every_size(size: int) -> None:
    """A PayloadChunk event carries the bytes as its payload (STREAM_PAGE, PayloadChunk),
    with :event-type, :content-type and :message-type headers, fed whole or in pieces."""
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    encoded = es.payload_chunk(data)
    for step in (None, 3 if size < 4096 else 4093):
        (message,) = _decode(encoded, step)
        assert message.payload == data
        assert message.headers == {
            ":event-type": "PayloadChunk",
            ":content-type": "application/octet-stream",
            ":message-type": "event",
        }


COMPLETE_CASES = [
    ({}, b"{}"),
    ({"log_result": "U1RBUlQ="}, b'{"LogResult": "U1RBUlQ="}'),
    (
        {"error_code": "Unhandled", "error_details": "boom"},
        b'{"ErrorCode": "Unhandled", "ErrorDetails": "boom"}',
    ),
    (
        {"error_code": "Unhandled", "error_details": "boom", "log_result": "TA=="},
        b'{"ErrorCode": "Unhandled", "ErrorDetails": "boom", "LogResult": "TA=="}',
    ),
]


@pytest.mark.parametrize(("members", "payload"), COMPLETE_CASES)
def test_invoke_complete(members: dict[str, str], payload: bytes) -> None:
    """InvokeComplete's payload is its JSON members, absent ones left out (STREAM_PAGE,
    InvokeComplete: ErrorCode, ErrorDetails, LogResult)."""
    (message,) = _decode(es.invoke_complete(**members))
    assert message.payload == payload
    assert message.headers[":event-type"] == "InvokeComplete"
    assert message.headers[":content-type"] == "application/json"


@pytest.mark.parametrize("at", [0, 5, 9, 13, 20, -5, -1])
def test_a_changed_byte_fails_a_checksum(at: int) -> None:
    """Both CRC32s are checked by the reader (ENCODING_PAGE): a changed byte anywhere in
    the prelude, headers, payload or trailer is refused."""
    data = bytearray(es.payload_chunk(b"0123456789"))
    if at in (0, 5):
        # A changed length field makes the prelude CRC fail before any length check.
        data[at + 3] ^= 0x01
    else:
        data[at] ^= 0x01
    with pytest.raises(ChecksumMismatch):
        _decode(bytes(data))


LIMIT_CASES = [
    lambda: es.encode_message([], b"x" * (es.MAX_PAYLOAD_LENGTH + 1)),
    lambda: es.encode_message([("n" * 256, "v")]),
    lambda: es.encode_message([("", "v")]),
    lambda: es.encode_message([("h", "x" * 32768)]),
    lambda: es.encode_message([("h", b"x" * 32768)]),
    lambda: es.encode_message([("h", es.Byte(128))]),
    lambda: es.encode_message([("h", es.Short(-32769))]),
    lambda: es.encode_message([("h", 2**63)]),
    lambda: es.encode_message([(f"h{i}", "x" * 30000) for i in range(5)]),
]


@pytest.mark.parametrize("build", LIMIT_CASES)
def test_what_the_format_cannot_carry_is_refused(build: Any) -> None:
    """Payloads up to 16 MiB, headers up to 128 KiB, names 1-255 bytes, string and bytes
    values up to 32767 bytes, integers in their type's range (the reader's limits,
    ENCODING_PAGE's field widths): past them the encoder raises, it never truncates."""
    with pytest.raises(es.EncodeError):
        build()


def _lambda_client(body: bytes) -> Any:
    """A boto3 Lambda client whose HTTP send returns `body` as an event-stream response."""
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9",
    )

    def send(request: Any, **_: Any) -> AWSResponse:
        headers = {"Content-Type": es.CONTENT_TYPE, "X-Amz-Executed-Version": "7"}
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=200, preload_content=False
        )
        return AWSResponse(request.url, 200, raw.headers, raw)

    client.meta.events.register("before-send.lambda.InvokeWithResponseStream", send)
    return client


def _events(body: bytes) -> Iterator[dict[str, Any]]:
    response = _lambda_client(body).invoke_with_response_stream(FunctionName="f")
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "7"
    assert response["ResponseStreamContentType"] == es.CONTENT_TYPE
    yield from response["EventStream"]


def test_boto3_reads_an_invoke_with_response_stream() -> None:
    """boto3's invoke_with_response_stream parses the stream into PayloadChunk and
    InvokeComplete events (STREAM_PAGE, response syntax)."""
    body = b"".join(
        [
            es.payload_chunk(b"Hello, "),
            es.payload_chunk(b"world!"),
            es.invoke_complete(log_result="TE9H"),
        ]
    )
    assert list(_events(body)) == [
        {"PayloadChunk": {"Payload": b"Hello, "}},
        {"PayloadChunk": {"Payload": b"world!"}},
        {"InvokeComplete": {"LogResult": "TE9H"}},
    ]


def test_boto3_reads_a_function_error_in_invoke_complete() -> None:
    """A function error ends the stream in InvokeComplete's ErrorCode and ErrorDetails
    (STREAM_PAGE, InvokeWithResponseStreamCompleteEvent)."""
    body = es.payload_chunk(b"part") + es.invoke_complete("Unhandled", "Error: boom")
    assert list(_events(body))[-1] == {
        "InvokeComplete": {"ErrorCode": "Unhandled", "ErrorDetails": "Error: boom"}
    }


def test_boto3_raises_an_error_message() -> None:
    """An error message (:message-type error) raises EventStreamError with its code and
    message in boto3, after the events before it (ENCODING_PAGE, error messages)."""
    events = _events(es.payload_chunk(b"x") + es.error_message("ServiceException", "boom"))
    assert next(events) == {"PayloadChunk": {"Payload": b"x"}}
    with pytest.raises(EventStreamError) as raised:
        next(events)
    assert raised.value.response["Error"] == {"Code": "ServiceException", "Message": "boom"}


@pytest.mark.parametrize("step", [1, 2, 5, 16, 17, 100, 4096])
def test_a_stream_of_messages_fed_in_pieces(step: int) -> None:
    """Messages back to back, cut anywhere, decode one by one in order (ENCODING_PAGE: each
    message carries its own total length)."""
    chunks = [bytes([i]) * (i * 7) for i in range(12)]
    stream = b"".join(es.payload_chunk(c) for c in chunks) + es.invoke_complete("Unhandled", "x")
    messages = _decode(stream, step)
    assert [m.payload for m in messages[:-1]] == chunks
    assert messages[-1].headers[":event-type"] == "InvokeComplete"
