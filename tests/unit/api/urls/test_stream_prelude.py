"""The HTTP-integration prelude of a streamed response, parsed chunk by chunk."""

from __future__ import annotations

import json

import pytest

from nubis.api.services.urls.response import MalformedResponse
from nubis.api.services.urls.stream_prelude import (
    HttpPrelude,
    PreludeParser,
    is_http_integration,
    parse_prelude,
)

STREAMING_PAGE = (
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html"
)
NUL8 = b"\x00" * 8
OCTET = ("Content-Type", "application/octet-stream")


def _stream(prelude: object, body: bytes) -> bytes:
    """What HttpResponseStream.from writes: JSON.stringify(prelude), 8 NULs, the body."""
    return json.dumps(prelude, separators=(",", ":")).encode() + NUL8 + body


PRELUDE_CASES = [
    ({}, HttpPrelude(200, [OCTET], [])),
    ({"statusCode": 201}, HttpPrelude(201, [OCTET], [])),
    ({"statusCode": "404"}, HttpPrelude(404, [OCTET], [])),
    (
        {"statusCode": 200, "headers": {"Content-Type": "text/html", "X-A": "1"}},
        HttpPrelude(200, [("Content-Type", "text/html"), ("X-A", "1")], []),
    ),
    (
        {"statusCode": 200, "cookies": ["a=1", "b=2; Secure"]},
        HttpPrelude(200, [OCTET], ["a=1", "b=2; Secure"]),
    ),
    (
        {"headers": {"content-type": "text/event-stream", "Cache-Control": "no-cache"}},
        HttpPrelude(
            200, [("content-type", "text/event-stream"), ("Cache-Control", "no-cache")], []
        ),
    ),
    (
        {"statusCode": 302, "headers": {"Location": "https://example.com/"}},
        HttpPrelude(302, [OCTET, ("Location", "https://example.com/")], []),
    ),
    (
        {"statusCode": 200, "headers": {"Transfer-Encoding": "chunked", "X-B": 2}},
        HttpPrelude(200, [OCTET, ("X-B", "2")], []),
    ),
]


@pytest.mark.parametrize(("prelude", "expected"), PRELUDE_CASES)
def test_prelude_fields(prelude: dict[str, object], expected: HttpPrelude) -> None:
    """The prelude's statusCode, headers and cookies set the response (STREAMING_PAGE:
    awslambda.HttpResponseStream.from(responseStream, {statusCode, headers, cookies}))."""
    parser = PreludeParser()
    assert parser.feed(_stream(prelude, b"body")) == b"body"
    assert parser.finish() == expected == parse_prelude(json.dumps(prelude).encode())


@pytest.mark.parametrize(
    "stream",
    [
        _stream({"statusCode": 200, "headers": {"Content-Type": "text/plain"}}, b"Hello, world!"),
        _stream({}, b""),
        _stream({"statusCode": 200}, NUL8 + b"\x00body with NULs\x00" + NUL8),
        b"{}" + NUL8 + b"x",
        b" " + NUL8 + b"after an empty prelude",
    ],
)
def test_every_split_of_the_stream_gives_the_same_result(stream: bytes) -> None:
    """Chunks arrive as the function writes them (STREAMING_PAGE): the delimiter may be
    split anywhere, and NULs after it belong to the body."""
    whole = PreludeParser()
    body = whole.feed(stream)
    for cut in range(len(stream) + 1):
        for second_cut in sorted({cut, min(len(stream), cut + 3), min(len(stream), cut + 9)}):
            parser = PreludeParser()
            parts = [stream[:cut], stream[cut:second_cut], stream[second_cut:]]
            assert b"".join(parser.feed(p) for p in parts) == body
            assert parser.finish() == whole.finish()


def test_body_passes_through_after_the_prelude() -> None:
    """After the delimiter every chunk is body, returned as it comes (STREAMING_PAGE)."""
    parser = PreludeParser()
    assert parser.feed(b'{"statusCode":200') == b""
    assert parser.prelude is None
    assert parser.feed(b"}" + NUL8[:3]) == b""
    assert parser.feed(NUL8[3:] + b"first") == b"first"
    assert parser.prelude == HttpPrelude(200, [OCTET], [])
    assert parser.feed(NUL8) == NUL8
    assert parser.feed(b"last") == b"last"


MALFORMED_CASES = [
    b"not json" + NUL8,
    b"[1,2]" + NUL8,
    b'"text"' + NUL8,
    b'{"statusCode": 99}' + NUL8,
    b'{"statusCode": "x"}' + NUL8,
    b'{"headers": []}' + NUL8,
    b'{"cookies": "a=1"}' + NUL8,
    b"\xff\xfe" + NUL8,
]


@pytest.mark.parametrize("stream", MALFORMED_CASES)
def test_an_unreadable_prelude_is_malformed(stream: bytes) -> None:
    """A prelude that is not the JSON object HttpResponseStream writes is refused
    (inferred: answered 502 like a malformed buffered response; STREAMING_PAGE)."""
    with pytest.raises(MalformedResponse):
        PreludeParser().feed(stream)


def test_a_stream_ending_inside_the_prelude_is_malformed() -> None:
    """Without the 8 NUL delimiter the prelude never ends (STREAMING_PAGE)."""
    parser = PreludeParser()
    assert parser.feed(b'{"statusCode": 200}' + NUL8[:7]) == b""
    with pytest.raises(MalformedResponse):
        parser.finish()


def test_a_prelude_past_its_limit_is_refused() -> None:
    """A prelude longer than MAX_PRELUDE_BYTES is refused, whole or in chunks (inferred
    bound: STREAMING_PAGE documents none)."""
    with pytest.raises(MalformedResponse):
        PreludeParser().feed(b" " * (64 * 1024 + 1))
    parser = PreludeParser()
    parser.feed(b" " * (64 * 1024))
    with pytest.raises(MalformedResponse):
        parser.feed(b" " + NUL8)


CONTENT_TYPE_CASES = [
    ("application/vnd.awslambda.http-integration-response", True),
    ("Application/Vnd.AwsLambda.Http-Integration-Response; charset=utf-8", True),
    ("application/octet-stream", False),
    ("text/plain", False),
    (None, False),
]


@pytest.mark.parametrize(("content_type", "expected"), CONTENT_TYPE_CASES)
def test_only_the_http_integration_type_has_a_prelude(
    content_type: str | None, expected: bool
) -> None:
    """HttpResponseStream.from sets the content type
    application/vnd.awslambda.http-integration-response; other streams have no prelude
    (STREAMING_PAGE)."""
    assert is_http_integration(content_type) is expected
