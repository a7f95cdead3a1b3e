"""The HTTP-integration prelude of a streamed function URL response.

A streaming handler that sets status, headers or cookies wraps its stream with
`awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies})`: the stream's
content type becomes `application/vnd.awslambda.http-integration-response`, and the
bytes are the JSON prelude, 8 NUL bytes, then the body
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html and
the runtime's HttpResponseStream.js, aws-lambda-nodejs-runtime-interface-client). The
JSON may not contain a NUL byte, so the first 8 NULs end it.

`PreludeParser` takes the chunks as they arrive and hands back the body bytes past the
delimiter, so the prelude can be answered (status line, headers) before the body ends.
Without that content type a stream has no prelude: status 200, the stream's content type.
Inferred: a prelude that is not a JSON object, is longer than MAX_PRELUDE_BYTES, or
never ends before the stream does is a malformed response (502, as in response.py); a
prelude without statusCode means 200; a prelude without a content type means
application/octet-stream, the default of a response stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from nubis.api.services.urls import constants as c
from nubis.api.services.urls.response import (
    MalformedResponse,
    response_cookies,
    response_headers,
    status_code,
    with_default_type,
)


@dataclass(frozen=True, slots=True)
class HttpPrelude:
    """What the prelude says of the response: status, headers, cookies."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)


def is_http_integration(content_type: str | None) -> bool:
    """Whether a streamed response carries the prelude (its Content-Type says so)."""
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == c.HTTP_INTEGRATION_CONTENT_TYPE


def parse_prelude(text: bytes) -> HttpPrelude:
    """The prelude object (the bytes before the delimiter)."""
    try:
        value = json.loads(text) if text.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedResponse("the prelude is not JSON") from exc
    if not isinstance(value, dict):
        raise MalformedResponse("the prelude is not a JSON object")
    status = status_code(value["statusCode"]) if "statusCode" in value else 200
    headers = with_default_type(
        response_headers(value.get("headers")), c.STREAM_DEFAULT_CONTENT_TYPE
    )
    return HttpPrelude(status, headers, response_cookies(value.get("cookies")))


class PreludeParser:
    """Splits a streamed body into its prelude and its body, chunk by chunk.

    `feed` returns the body bytes each chunk adds (empty until the delimiter has
    arrived); `prelude` is set from the moment it has. `finish` at the end of the
    stream raises MalformedResponse if the delimiter never came. Not thread-safe: one
    parser per response, fed in order.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.prelude: HttpPrelude | None = None

    def feed(self, chunk: bytes) -> bytes:
        if self.prelude is not None:
            return chunk
        # Search only where a delimiter may newly complete: the tail of what was kept
        # (less than 8 bytes of it can belong to a split delimiter) plus the chunk.
        start = max(0, len(self._buffer) - len(c.PRELUDE_DELIMITER) + 1)
        self._buffer += chunk
        at = self._buffer.find(c.PRELUDE_DELIMITER, start)
        if at < 0:
            if len(self._buffer) > c.MAX_PRELUDE_BYTES:
                raise MalformedResponse("the prelude exceeds its limit")
            return b""
        if at > c.MAX_PRELUDE_BYTES:
            raise MalformedResponse("the prelude exceeds its limit")
        self.prelude = parse_prelude(bytes(self._buffer[:at]))
        body = bytes(self._buffer[at + len(c.PRELUDE_DELIMITER) :])
        self._buffer.clear()
        return body

    def finish(self) -> HttpPrelude:
        """The prelude, once the stream has ended (MalformedResponse if it never closed)."""
        if self.prelude is None:
            raise MalformedResponse("the stream ended inside the prelude")
        return self.prelude
