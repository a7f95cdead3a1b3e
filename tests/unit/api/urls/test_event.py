"""The payload format 2.0 event of a function URL request, field by field."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from nubis.api.services.urls import IamCaller, UrlConfig, UrlRequest, UrlResponse, url_event
from nubis.api.services.urls.event import (
    clf_time,
    encode_body,
    event_payload,
    joined_headers,
    query_parameters,
    request_cookies,
    split_target,
)

URLS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html"
APIGW_PAGE = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "http-api-develop-integrations-lambda.html"
)
NOW = datetime(2026, 12, 1, 12, 0, 0, 123000, tzinfo=UTC)
CONFIG = UrlConfig(url_id="abcdefg", domain="abcdefg.lambda-url.us-east-1.on.aws")


def _event(request: UrlRequest, config: UrlConfig = CONFIG, **kw: Any) -> dict[str, Any]:
    return url_event(request, config, NOW, "req-1", "203.0.113.9", "123456789012", **kw)


def test_the_documented_example_request() -> None:
    """The request of the page's "Request payload format" example gives its event
    (URLS_PAGE): duplicate headers and query values joined by ',', cookies apart."""
    request = UrlRequest(
        method="POST",
        target="/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        headers=[
            ("Header1", "value1"),
            ("Header2", "value1"),
            ("Header2", "value2"),
            ("Cookie", "cookie1; cookie2"),
            ("User-Agent", "agent"),
            ("Content-Type", "text/plain"),
        ],
        body=b"Hello from client!",
    )
    assert _event(request) == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/my/path",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1", "cookie2"],
        "headers": {
            "header1": "value1",
            "header2": "value1,value2",
            "user-agent": "agent",
            "content-type": "text/plain",
            "x-forwarded-for": "203.0.113.9",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefg",
            "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abcdefg",
            "http": {
                "method": "POST",
                "path": "/my/path",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "agent",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Dec/2026:12:00:00 +0000",
            "timeEpoch": 1796126400123,
        },
        "body": "Hello from client!",
        "isBase64Encoded": False,
    }


QUERY_CASES = [
    ("", {}),
    ("a=1", {"a": "1"}),
    ("a=1&b=2", {"a": "1", "b": "2"}),
    ("a=1&a=2", {"a": "1,2"}),
    ("a=1&b=2&a=3", {"a": "1,3", "b": "2"}),
    ("flag", {"flag": ""}),
    ("flag=", {"flag": ""}),
    ("a=x%2Fy", {"a": "x/y"}),
    ("multiQuery=foo&multiQuery=%2Fbar", {"multiQuery": "foo,/bar"}),
    ("na%20me=v%C3%A9", {"na me": "vé"}),
    ("a=1&&b=2", {"a": "1", "b": "2"}),
    ("a=b=c", {"a": "b=c"}),
    ("a=1,2&a=3", {"a": "1,2,3"}),
    ("a=b+c", {"a": "b+c"}),
]


@pytest.mark.parametrize(("raw", "expected"), QUERY_CASES)
def test_query_string_parameters(raw: str, expected: dict[str, str]) -> None:
    """Query values decoded, a repeated name's values joined by ',' (APIGW_PAGE: "Duplicate
    query strings are combined with commas"; the '/bar' case recorded by AWS in localstack's
    test_lambda_url_echo_http_fixture_default)."""
    assert query_parameters(raw) == expected
    event = _event(UrlRequest("GET", f"/p?{raw}" if raw else "/p", []))
    assert event["rawQueryString"] == raw
    assert event.get("queryStringParameters", {}) == expected


TARGET_CASES = [
    ("/", ("/", "")),
    ("", ("/", "")),
    ("/my/path", ("/my/path", "")),
    ("/my/path?", ("/my/path", "")),
    ("/pa2%Fth/1", ("/pa2%Fth/1", "")),
    ("/a%20b?q=1", ("/a%20b", "q=1")),
    ("/x?a=1?b", ("/x", "a=1?b")),
]


@pytest.mark.parametrize(("target", "expected"), TARGET_CASES)
def test_raw_path_keeps_its_encoding(target: str, expected: tuple[str, str]) -> None:
    """rawPath is the request path as sent, percent-encoding kept (URLS_PAGE "rawPath";
    AWS echoed '/pa2%Fth/1' in localstack's recorded test_lambda_url_echo_http_fixture)."""
    assert split_target(target) == expected
    event = _event(UrlRequest("GET", target, []))
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == expected[0]


HEADER_CASES = [
    ([("Accept", "*/*")], {"accept": "*/*"}),
    ([("ExTrA-HeadErs", "With WeiRd CapS")], {"extra-headers": "With WeiRd CapS"}),
    ([("X-A", "1"), ("x-a", "2")], {"x-a": "1,2"}),
    ([("X-A", "1"), ("X-B", "2"), ("X-A", "3")], {"x-a": "1,3", "x-b": "2"}),
    ([("X-Empty", "")], {"x-empty": ""}),
    ([("Accept", "a, b")], {"accept": "a, b"}),
]


@pytest.mark.parametrize(("pairs", "expected"), HEADER_CASES)
def test_headers_lower_cased_and_joined(
    pairs: list[tuple[str, str]], expected: dict[str, str]
) -> None:
    """Header names lower-cased, duplicates combined with commas (APIGW_PAGE, payload
    format differences; URLS_PAGE example 'header2': 'value1,value2')."""
    assert joined_headers(pairs) == expected
    headers = _event(UrlRequest("GET", "/", pairs))["headers"]
    assert {k: v for k, v in headers.items() if k in expected} == expected


def test_forwarded_headers_added_and_appended() -> None:
    """Lambda's front end adds x-forwarded-for/-proto/-port (URLS_PAGE; every recorded
    function URL event carries them); a client's own X-Forwarded-For is extended."""
    config = UrlConfig("u", "u.example", scheme="http", port=9000)
    plain = _event(UrlRequest("GET", "/", []), config)["headers"]
    assert plain["x-forwarded-for"] == "203.0.113.9"
    assert (plain["x-forwarded-proto"], plain["x-forwarded-port"]) == ("http", "9000")
    chained = _event(UrlRequest("GET", "/", [("X-Forwarded-For", "10.0.0.1")]), config)
    assert chained["headers"]["x-forwarded-for"] == "10.0.0.1, 203.0.113.9"


COOKIE_CASES = [
    ([], None),
    (["a=1"], ["a=1"]),
    (["a=1; b=2"], ["a=1", "b=2"]),
    (["a=1", "b=2; c=3"], ["a=1", "b=2", "c=3"]),
    (["Cookie_1=Value_1; Cookie_2=Value_2"], ["Cookie_1=Value_1", "Cookie_2=Value_2"]),
    (["a=x;y"], ["a=x;y"]),
]


@pytest.mark.parametrize(("values", "expected"), COOKIE_CASES)
def test_cookies(values: list[str], expected: list[str] | None) -> None:
    """Every Cookie header goes to `cookies`, one entry per cookie, and leaves `headers`
    (URLS_PAGE "cookies": ["Cookie_1=Value_1", "Cookie_2=Value_2"]; APIGW_PAGE: "All
    cookie headers in the request are combined ... and added to the cookies field")."""
    assert request_cookies(values) == (expected or [])
    event = _event(UrlRequest("GET", "/", [("Cookie", v) for v in values]))
    assert event.get("cookies") == expected
    assert "cookie" not in event["headers"]


BODY_CASES = [
    (b"text", "text/plain", ("text", False)),
    (b"<p>x</p>", "text/html; charset=utf-8", ("<p>x</p>", False)),
    (b"a,b", "text/csv", ("a,b", False)),
    (b'{"foo":"bar"}', "application/json", ('{"foo":"bar"}', False)),
    (b'{"a":1}', "Application/JSON; charset=UTF-8", ('{"a":1}', False)),
    (b'{"a":1}', "application/vnd.api+json", ('{"a":1}', False)),
    (b"<a/>", "application/xml", ("<a/>", False)),
    (b"<a/>", "application/atom+xml", ("<a/>", False)),
    (b"x=1", "application/javascript", ("x=1", False)),
    (b"a=1&b=2", "application/x-www-form-urlencoded", ("YT0xJmI9Mg==", True)),
    (b"--b\r\nx\r\n--b--", "multipart/form-data; boundary=b", ("LS1iDQp4DQotLWItLQ==", True)),
    (b"\x89PNG", "image/png", ("iVBORw==", True)),
    (b"\x00\x01", "application/octet-stream", ("AAE=", True)),
    (b"plain", None, ("cGxhaW4=", True)),
    (b"\xff\xfe", "text/plain", ("//4=", True)),
    (b"", "application/json", (None, False)),
    (b"", None, (None, False)),
]


@pytest.mark.parametrize(("body", "content_type", "expected"), BODY_CASES)
def test_body_text_or_base64(
    body: bytes, content_type: str | None, expected: tuple[str | None, bool]
) -> None:
    """A binary body is base64-encoded (URLS_PAGE "body", "isBase64Encoded"); AWS sends
    text/* and application/json as text (AWS's function URL talk: other types arrive
    base64) and a multipart form base64 (localstack's recorded test_lambda_url_form_payload);
    no body, no `body` member (recorded: test_lambda_url_echo_invoke)."""
    assert encode_body(body, content_type) == expected
    headers = [("Content-Type", content_type)] if content_type else []
    event = _event(UrlRequest("POST", "/", headers, body))
    assert (event.get("body"), event["isBase64Encoded"]) == expected
    if expected[1]:
        assert base64.b64decode(event["body"]) == body


TIME_CASES = [
    # A float timestamp times 1000 gives ...734 here: the epoch is computed exactly.
    (
        datetime(2004, 9, 23, 15, 54, 43, 735000, tzinfo=UTC),
        "23/Sep/2004:15:54:43 +0000",
        1095954883735,
    ),
    (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "01/Dec/2026:12:00:00 +0000", 1796126400000),
    (datetime(2020, 3, 12, 19, 3, 58, tzinfo=UTC), "12/Mar/2020:19:03:58 +0000", 1584039838000),
    (
        datetime(2021, 9, 7, 22, 50, 22, 677000, tzinfo=UTC),
        "07/Sep/2021:22:50:22 +0000",
        1631055022677,
    ),
    (
        datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
        "31/Dec/2025:23:30:00 +0000",
        1767223800000,
    ),
]


@pytest.mark.parametrize(("now", "text", "epoch_ms"), TIME_CASES)
def test_time_and_epoch(now: datetime, text: str, epoch_ms: int) -> None:
    """requestContext.time in UTC, 'dd/Mon/yyyy:HH:MM:SS +0000', and timeEpoch in
    milliseconds (URLS_PAGE: "07/Sep/2021:22:50:22 +0000", 1631055022677)."""
    assert clf_time(now) == text
    event = url_event(UrlRequest("GET", "/", []), CONFIG, now, "r", "ip", "1")
    assert (event["requestContext"]["time"], event["requestContext"]["timeEpoch"]) == (
        text,
        epoch_ms,
    )


def test_iam_caller_and_owner_account() -> None:
    """Under AWS_IAM, accountId is the function owner's and authorizer.iam names the
    caller (URLS_PAGE, requestContext.authorizer.iam.*); under NONE, 'anonymous' and no
    authorizer (the recorded events of AWS's function URL talk)."""
    caller = IamCaller(
        "AKIA1", "111122223333", "AIDA1", "arn:aws:iam::111122223333:user/u", "AIDA1"
    )
    iam = _event(
        UrlRequest("GET", "/", []), UrlConfig("u", "d", auth_type="AWS_IAM"), caller=caller
    )
    ctx = iam["requestContext"]
    assert ctx["accountId"] == "123456789012"
    assert ctx["authorizer"]["iam"] == {
        "accessKey": "AKIA1",
        "accountId": "111122223333",
        "callerId": "AIDA1",
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": "arn:aws:iam::111122223333:user/u",
        "userId": "AIDA1",
    }
    anonymous = _event(UrlRequest("GET", "/", []))["requestContext"]
    assert anonymous["accountId"] == "anonymous"
    assert "authorizer" not in anonymous


METHOD_CASES = [("get", "GET"), ("POST", "POST"), ("Options", "OPTIONS"), ("PATCH", "PATCH")]


@pytest.mark.parametrize(("method", "expected"), METHOD_CASES)
def test_method_and_user_agent(method: str, expected: str) -> None:
    """requestContext.http.method is the method, userAgent the User-Agent header, ''
    when absent (URLS_PAGE, requestContext.http)."""
    event = _event(UrlRequest(method, "/", [("User-Agent", "curl/8")], protocol="HTTP/1.0"))
    http = event["requestContext"]["http"]
    assert (http["method"], http["userAgent"], http["protocol"]) == (expected, "curl/8", "HTTP/1.0")
    assert _event(UrlRequest(method, "/", []))["requestContext"]["http"]["userAgent"] == ""


@pytest.mark.parametrize(
    ("body_size", "content_type", "too_large"),
    [
        (1000, "text/plain", False),
        (6 * 1024 * 1024 - 2000, "text/plain", False),
        (6 * 1024 * 1024, "text/plain", True),
        (4 * 1024 * 1024, "application/octet-stream", False),
        (5 * 1024 * 1024, "application/octet-stream", True),
    ],
)
def test_request_size_limit(body_size: int, content_type: str, too_large: bool) -> None:
    """The event, base64 body included, must stay within Lambda's 6 MiB synchronous
    request limit (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
    Invoke refuses more than 6291456 bytes); past it the URL answers 413 without invoking."""
    request = UrlRequest("POST", "/", [("Content-Type", content_type)], b"a" * body_size)
    payload = event_payload(_event(request))
    if too_large:
        assert payload == UrlResponse(
            413,
            [("Content-Type", "application/json")],
            [],
            b'{"Message":"Request must be smaller than 6291456 bytes'
            b' for the InvokeFunction operation"}',
        )
    else:
        assert isinstance(payload, bytes)
        assert json.loads(payload)["requestContext"]["requestId"] == "req-1"
        assert len(payload) <= 6291456
