"""Requests as real botocore clients sign them, caught just before they would be sent."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDBOTOCORE"
SECRET = "botocore/SECRET+key/0123456789abcdefEXAMPLE"
TOKEN = "FwoGZXIvYXdzEXAMPLE//////////wEaDJ+token/with+base64=="
REGION = "eu-west-1"
SIGNED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW = SIGNED_AT.timestamp()


@dataclass(frozen=True)
class Wire:
    """A request as the server receives it: path and query as sent, lower-case names."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def with_headers(self, **changes: str) -> Wire:
        return replace(self, headers={**self.headers, **changes})


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


@contextmanager
def frozen_clock() -> Iterator[None]:
    """botocore signs at SIGNED_AT (the oracle's clock, not the verifier's)."""
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNED_AT):
        yield


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    data = body.read()
    return data if isinstance(data, bytes) else data.encode("utf-8")


def to_wire(method: str, url: str, headers: Any, body: Any) -> Wire:
    split = urlsplit(url)
    fields = {_text(k).lower(): _text(v) for k, v in headers.items()}
    fields.setdefault("host", split.netloc)
    return Wire(method, split.path, split.query, fields, _body(body))


def client(service: str, *, token: str | None = None, https: bool = False, **config: Any) -> Any:
    session = botocore.session.Session()
    return session.create_client(
        service,
        region_name=REGION,
        endpoint_url=("https" if https else "http") + "://127.0.0.1:9000",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        config=Config(**config) if config else None,
    )


def signed(service_client: Any, operation: str, **params: Any) -> Wire:
    """The request `service_client.<operation>(**params)` sends, as signed by botocore."""

    def catch(request: Any, **_: Any) -> None:
        raise _Captured(request)

    service_client.meta.events.register("before-send", catch)
    try:
        with frozen_clock():
            getattr(service_client, operation)(**params)
    except _Captured as captured:
        request = captured.request
        return to_wire(request.method, request.url, request.headers, request.body)
    finally:
        service_client.meta.events.unregister("before-send", catch)
    raise AssertionError(f"{operation} was not sent")


def presigned_url(service_client: Any, operation: str, expires: int, **params: Any) -> Wire:
    with frozen_clock():
        url = service_client.generate_presigned_url(operation, Params=params, ExpiresIn=expires)
    return to_wire("GET", url, {}, b"")


def presigned_query(service: str, url: str, expires: int, token: str | None = None) -> Wire:
    """SigV4QueryAuth (the presigned form of every service but S3) on a GET of `url`."""
    request = AWSRequest(method="GET", url=url)
    auth = botocore.auth.SigV4QueryAuth(
        Credentials(ACCESS_KEY, SECRET, token), service, REGION, expires=expires
    )
    with frozen_clock():
        auth.add_auth(request)
    return to_wire("GET", request.url, request.headers, io.BytesIO(b""))


def signed_unsigned_payload(service: str, url: str, body: bytes) -> Wire:
    """SigV4Auth on a POST with payload signing off (botocore's UNSIGNED-PAYLOAD, over
    https only)."""
    request = AWSRequest(method="POST", url=url, data=body)
    request.context["payload_signing_enabled"] = False
    with frozen_clock():
        botocore.auth.SigV4Auth(Credentials(ACCESS_KEY, SECRET), service, REGION).add_auth(request)
    return to_wire("POST", request.url, request.headers, body)
