"""The payload format 2.0 event a function URL hands its function.

Shape and field meanings: AWS's "Invoking Lambda function URLs" page
(https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html, "Request payload
format"), which follows API Gateway's payload format 2.0
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
header names lower-cased, duplicate headers and duplicate query parameters joined with
commas, cookies in a list of their own. Observed rather than documented (and so marked in
docs/http.md): `accountId` is `"anonymous"` under auth type NONE, the `cookie` header
leaves `headers` for `cookies`, `body` is absent when the request has none, and only
text/* and JSON-like media types reach the function unencoded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from nubis.api.services.urls import constants as c
from nubis.api.services.urls.response import UrlResponse, request_too_large

# Exact integer milliseconds (a float timestamp times 1000 can round a millisecond down).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class UrlRequest:
    """One HTTP request as the server read it.

    `target` is the request-target exactly as received (path, then `?query` if any);
    `headers` keeps the order and the duplicates of the wire.
    """

    method: str
    target: str
    headers: Sequence[tuple[str, str]]
    body: bytes = b""
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class UrlConfig:
    """What the event needs of the function URL: its id, its domain and auth type."""

    url_id: str
    domain: str
    auth_type: str = c.AUTH_NONE
    scheme: str = "https"
    port: int = 443


@dataclass(frozen=True, slots=True)
class IamCaller:
    """The signer of an AWS_IAM request (`requestContext.authorizer.iam`)."""

    access_key: str
    account_id: str
    caller_id: str
    user_arn: str
    user_id: str
    principal_org_id: str | None = None


def joined_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased names; a name sent twice keeps one entry, its values joined by ','."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def split_target(target: str) -> tuple[str, str]:
    """(rawPath, rawQueryString): the path stays percent-encoded, as Lambda passes it."""
    path, _, query = target.partition("?")
    return path or "/", query


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded names and values; a repeated name's values joined by ',' in order."""
    out: dict[str, str] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        key, val = unquote(name), unquote(value)
        out[key] = f"{out[key]},{val}" if key in out else val
    return out


def request_cookies(cookie_values: Iterable[str]) -> list[str]:
    """Every `name=value` of every Cookie header, split on '; ' (format 2.0's `cookies`)."""
    return [item for value in cookie_values for item in value.split("; ") if item]


def is_text(content_type: str | None) -> bool:
    """Whether a body of this media type reaches the function as text."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in c.TEXT_MEDIA_TYPES
        or media.endswith(c.TEXT_MEDIA_SUFFIXES)
    )


def encode_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text types as UTF-8 text, anything else base64."""
    if not body:
        return None, False
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def clf_time(now: datetime) -> str:
    """`requestContext.time`: '01/Dec/2026:12:00:00 +0000', in UTC, month in English."""
    t = now.astimezone(UTC)
    return f"{t.day:02d}/{c.MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"


def _event_headers(request: UrlRequest, config: UrlConfig, source_ip: str) -> dict[str, str]:
    headers = joined_headers(
        (name, value) for name, value in request.headers if name.lower() != c.HEADER_COOKIE
    )
    forwarded = headers.get(c.HEADER_FORWARDED_FOR)
    headers[c.HEADER_FORWARDED_FOR] = f"{forwarded}, {source_ip}" if forwarded else source_ip
    headers[c.HEADER_FORWARDED_PROTO] = config.scheme
    headers[c.HEADER_FORWARDED_PORT] = str(config.port)
    return headers


def _authorizer(caller: IamCaller) -> dict[str, Any]:
    return {
        "iam": {
            "accessKey": caller.access_key,
            "accountId": caller.account_id,
            "callerId": caller.caller_id,
            "cognitoIdentity": None,
            "principalOrgId": caller.principal_org_id,
            "userArn": caller.user_arn,
            "userId": caller.user_id,
        }
    }


def _request_context(
    request: UrlRequest,
    config: UrlConfig,
    context: tuple[datetime, str, str, str],
    headers: dict[str, str],
    caller: IamCaller | None,
) -> dict[str, Any]:
    now, request_id, source_ip, account = context
    path, _ = split_target(request.target)
    ctx: dict[str, Any] = {
        "accountId": account if config.auth_type == c.AUTH_IAM else c.ANONYMOUS_ACCOUNT,
        "apiId": config.url_id,
        "domainName": config.domain,
        "domainPrefix": config.url_id,
        "http": {
            "method": request.method.upper(),
            "path": path,
            "protocol": request.protocol,
            "sourceIp": source_ip,
            "userAgent": headers.get(c.HEADER_USER_AGENT, ""),
        },
        "requestId": request_id,
        "routeKey": c.ROUTE_KEY,
        "stage": c.STAGE,
        "time": clf_time(now),
        "timeEpoch": (now - _EPOCH) // timedelta(milliseconds=1),
    }
    if caller is not None:
        ctx["authorizer"] = _authorizer(caller)
    return ctx


def url_event(
    request: UrlRequest,
    config: UrlConfig,
    now: datetime,
    request_id: str,
    source_ip: str,
    account: str,
    *,
    caller: IamCaller | None = None,
) -> dict[str, Any]:
    """The event of one request; `account` is the function owner's (used under AWS_IAM)."""
    path, query = split_target(request.target)
    headers = _event_headers(request, config, source_ip)
    event: dict[str, Any] = {"version": c.PAYLOAD_VERSION, "routeKey": c.ROUTE_KEY}
    event["rawPath"] = path
    event["rawQueryString"] = query
    cookies = request_cookies(v for n, v in request.headers if n.lower() == c.HEADER_COOKIE)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    params = query_parameters(query)
    if params:
        event["queryStringParameters"] = params
    context = (now, request_id, source_ip, account)
    event["requestContext"] = _request_context(request, config, context, headers, caller)
    body, encoded = encode_body(request.body, headers.get(c.HEADER_CONTENT_TYPE))
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = encoded
    return event


def event_payload(event: dict[str, Any]) -> bytes | UrlResponse:
    """The event as the Invoke payload (compact JSON), or the 413 answer when it would
    pass Lambda's 6 MiB request limit (a base64 body counts at its encoded size)."""
    payload = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    return request_too_large() if len(payload) > c.MAX_REQUEST_BYTES else payload
