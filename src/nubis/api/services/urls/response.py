"""How a function's result becomes the HTTP response of a function URL.

AWS's "Invoking Lambda function URLs" page, "Response payload format"
(https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-response-payload):
an object with `statusCode` is a response (`headers`, `body`, `cookies` → one
`Set-Cookie` each, `isBase64Encoded`); any other valid JSON is the body of a 200
`application/json` response. Recorded from AWS (localstack's AWS-validated snapshots of
TestLambdaURL): a returned JSON string is sent as its text without quotes (the page's
example shows quotes; AWS does not), other values as compact JSON, a `statusCode` given
as a numeric string is honoured, a `statusCode` response without a content type gets
`application/json`, and a function error answers 502 `Internal Server Error`. Inferred:
a payload that is not JSON, or a `statusCode` object Lambda cannot read, is the same 502;
so is a result past Lambda's 6 MB (6291556 bytes) response limit (recorded as the function
error Function.ResponseSizeTooLarge).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from nubis.api.services.urls import constants as c

# RFC 9110 field names (tokens); a value may not break the header block it goes into.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BREAKS = re.compile(r"[\r\n\x00]")


@dataclass(frozen=True, slots=True)
class UrlResponse:
    """Status, headers (in order; names as the function spelled them), cookies, body."""

    status: int
    headers: list[tuple[str, str]]
    cookies: list[str] = field(default_factory=list)
    body: bytes = b""

    def wire_headers(self) -> list[tuple[str, str]]:
        """The headers to send: the function's, then one Set-Cookie per cookie."""
        return [*self.headers, *((c.HEADER_SET_COOKIE, v) for v in self.cookies)]


class MalformedResponse(ValueError):
    """A function's result Lambda cannot turn into an HTTP response (answered 502)."""


def bad_gateway() -> UrlResponse:
    """What the client sees of a function error or of a malformed response."""
    return UrlResponse(
        c.BAD_GATEWAY_STATUS,
        [(c.RESPONSE_CONTENT_TYPE, c.BAD_GATEWAY_CONTENT_TYPE)],
        body=c.BAD_GATEWAY_BODY,
    )


def request_too_large() -> UrlResponse:
    """The answer to a request whose event would pass MAX_REQUEST_BYTES (not invoked)."""
    body = compact_json({"Message": c.TOO_LARGE_MESSAGE})
    return UrlResponse(
        c.TOO_LARGE_STATUS, [(c.RESPONSE_CONTENT_TYPE, c.CONTENT_TYPE_JSON)], body=body
    )


def compact_json(value: Any) -> bytes:
    """JSON as Lambda re-serialises an inferred body: no spaces, UTF-8 kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def status_code(value: Any) -> int:
    """An integer, or a string of digits (AWS accepts "418"), within 100-599."""
    if isinstance(value, bool):
        raise MalformedResponse("statusCode is a boolean")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or not 100 <= value <= 599:
        raise MalformedResponse(f"statusCode {value!r} is not an HTTP status")
    return value


def header_value(value: Any) -> str:
    """A header value: strings as they are, numbers and booleans as JSON spells them.

    A value with CR, LF or NUL is refused: it would forge headers of its own.
    """
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if not isinstance(value, str):
        raise MalformedResponse(f"header value {value!r} is not a scalar")
    if _BREAKS.search(value):
        raise MalformedResponse("header value with a line break or NUL")
    return value


def header_name(name: str) -> str:
    """A header name, which must be an HTTP token."""
    if not _TOKEN.fullmatch(name):
        raise MalformedResponse(f"header name {name!r} is not a token")
    return name


def response_headers(value: Any) -> list[tuple[str, str]]:
    """The `headers` object in order, without the headers the HTTP layer owns."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise MalformedResponse("headers is not an object")
    return [
        (header_name(name), header_value(v))
        for name, v in value.items()
        if name.lower() not in c.HOP_HEADERS
    ]


def response_cookies(value: Any) -> list[str]:
    """The `cookies` list (each becomes one Set-Cookie header)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedResponse("cookies is not a list of strings")
    return [header_value(v) for v in value]


def response_body(value: Any, is_base64: Any) -> bytes:
    """`body` as bytes: decoded from base64 when `isBase64Encoded` is true."""
    if value is None:
        return b""
    if not isinstance(value, str):
        return compact_json(value)
    if is_base64 is True:
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise MalformedResponse("body is not valid base64") from exc
    return value.encode()


def with_default_type(headers: list[tuple[str, str]], default: str) -> list[tuple[str, str]]:
    """The headers, with a Content-Type of `default` first when they name none."""
    if any(name.lower() == c.HEADER_CONTENT_TYPE for name, _ in headers):
        return headers
    return [(c.RESPONSE_CONTENT_TYPE, default), *headers]


def shaped_response(result: dict[str, Any]) -> UrlResponse:
    """A result with `statusCode`: the response it describes (MalformedResponse if not)."""
    headers = response_headers(result.get("headers"))
    return UrlResponse(
        status_code(result["statusCode"]),
        with_default_type(headers, c.CONTENT_TYPE_JSON),
        response_cookies(result.get("cookies")),
        response_body(result.get("body"), result.get("isBase64Encoded")),
    )


def url_response(payload: bytes, *, function_error: bool = False) -> UrlResponse:
    """The HTTP response for a function's result payload (its Invoke response body)."""
    if function_error or len(payload) > c.MAX_RESPONSE_BYTES:
        return bad_gateway()
    try:
        result = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        return bad_gateway()
    if isinstance(result, dict) and "statusCode" in result:
        try:
            return shaped_response(result)
        except MalformedResponse:
            return bad_gateway()
    body = result.encode() if isinstance(result, str) else compact_json(result)
    return UrlResponse(200, [(c.RESPONSE_CONTENT_TYPE, c.CONTENT_TYPE_JSON)], body=body)
