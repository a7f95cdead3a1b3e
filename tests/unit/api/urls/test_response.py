"""A function's result payload as the HTTP response of its function URL."""

from __future__ import annotations

import json

import pytest

from nubis.api.services.urls import url_response
from nubis.api.services.urls.response import UrlResponse

URLS_PAGE = (
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-response-payload"
)
JSON_CT = [("Content-Type", "application/json")]
BAD = UrlResponse(
    502, [("Content-Type", "text/plain; charset=utf-8")], [], b"Internal Server Error"
)

INFERRED_CASES = [
    # (payload, body): recorded by AWS in localstack's TestLambdaURL snapshots (python3.12
    # handlers returning these values), content-length included.
    (b'{"hello": "world"}', b'{"hello":"world"}'),
    (b'["hello", 3, true]', b'["hello",3,true]'),
    (b'"hello"', b"hello"),
    (b"3", b"3"),
    (b"3.1", b"3.1"),
    (b"true", b"true"),
    (b"null", b"null"),
    (b'{"message": "Hello, world!"}', b'{"message":"Hello, world!"}'),
    (b'{"body": "x", "headers": {"a": "b"}}', b'{"body":"x","headers":{"a":"b"}}'),
    (b'"caf\\u00e9"', "café".encode()),
    (b'{"k": "\xc3\xa9"}', '{"k":"é"}'.encode()),
    (b'""', b""),
    (b"{}", b"{}"),
]


@pytest.mark.parametrize(("payload", "body"), INFERRED_CASES)
def test_json_without_status_code_is_a_200_json_body(payload: bytes, body: bytes) -> None:
    """Valid JSON without statusCode: 200, application/json, the response as body
    (URLS_PAGE "Lambda infers the response format"); AWS sends a string unquoted and other
    values as compact JSON (localstack's AWS-validated test_lambda_url_invocation)."""
    assert url_response(payload) == UrlResponse(200, JSON_CT, [], body)


SHAPED_CASES = [
    (
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "My-Custom-Header": "Custom Value"},
            "body": '{ "message": "Hello, world!" }',
            "isBase64Encoded": False,
        },
        UrlResponse(
            201,
            [("Content-Type", "application/json"), ("My-Custom-Header", "Custom Value")],
            [],
            b'{ "message": "Hello, world!" }',
        ),
    ),
    (
        {"statusCode": 200, "body": "body123"},
        UrlResponse(200, JSON_CT, [], b"body123"),
    ),
    (
        {"statusCode": "418", "body": "i'm a teapot", "isBase64Encoded": False},
        UrlResponse(418, JSON_CT, [], b"i'm a teapot"),
    ),
    (
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json"},
            "body": "{}",
            "cookies": [
                "Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT",
                "Cookie_2=Value2; Max-Age=78000",
            ],
        },
        UrlResponse(
            201,
            JSON_CT,
            ["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"],
            b"{}",
        ),
    ),
    (
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "body": "iVBORw==",
            "isBase64Encoded": True,
        },
        UrlResponse(200, [("content-type", "image/png")], [], b"\x89PNG"),
    ),
    (
        {"statusCode": 200, "body": "iVBORw==", "isBase64Encoded": False},
        UrlResponse(200, JSON_CT, [], b"iVBORw=="),
    ),
    (
        {"statusCode": 204},
        UrlResponse(204, JSON_CT, [], b""),
    ),
    (
        {"statusCode": 302, "headers": {"Location": "/next"}},
        UrlResponse(302, [("Content-Type", "application/json"), ("Location", "/next")], [], b""),
    ),
    (
        {
            "statusCode": 200,
            "headers": {"X-Count": 3, "X-On": True, "Content-Type": "text/plain"},
            "body": "ok",
        },
        UrlResponse(
            200, [("X-Count", "3"), ("X-On", "true"), ("Content-Type", "text/plain")], [], b"ok"
        ),
    ),
    (
        {
            "statusCode": 200,
            "headers": {"Content-Length": "99", "Connection": "close", "X-A": "1"},
            "body": "ok",
        },
        UrlResponse(200, [("Content-Type", "application/json"), ("X-A", "1")], [], b"ok"),
    ),
    (
        {"statusCode": 200, "body": {"hello": "world"}},
        UrlResponse(200, JSON_CT, [], b'{"hello":"world"}'),
    ),
    (
        {"statusCode": 200, "body": "x", "multiValueHeaders": {"X-M": ["1", "2"]}},
        UrlResponse(200, JSON_CT, [], b"x"),
    ),
    (
        {"statusCode": 500, "body": "boom"},
        UrlResponse(500, JSON_CT, [], b"boom"),
    ),
    (
        {"statusCode": 200, "body": "\u00e9"},
        UrlResponse(200, JSON_CT, [], "é".encode()),
    ),
]


@pytest.mark.parametrize(("result", "expected"), SHAPED_CASES)
def test_status_code_object_is_the_response(
    result: dict[str, object], expected: UrlResponse
) -> None:
    """An object with statusCode describes the response: headers, body, cookies,
    isBase64Encoded (URLS_PAGE, "custom response" and "Cookies" examples); a string
    statusCode and a default application/json were recorded by AWS (localstack's
    test_lambda_url_headers_and_status, test_lambda_url_invocation[http-response])."""
    assert url_response(json.dumps(result).encode()) == expected


MALFORMED_CASES = [
    b"not json",
    b"",
    b"\xff\xfe",
    b'{"statusCode": "abc"}',
    b'{"statusCode": true}',
    b'{"statusCode": 99}',
    b'{"statusCode": 600}',
    b'{"statusCode": null}',
    b'{"statusCode": 200.5}',
    b'{"statusCode": 200, "headers": ["a"]}',
    b'{"statusCode": 200, "headers": {"a": {"b": 1}}}',
    b'{"statusCode": 200, "cookies": "a=1"}',
    b'{"statusCode": 200, "cookies": [1]}',
    b'{"statusCode": 200, "body": "***", "isBase64Encoded": true}',
    b'{"statusCode": 200, "headers": {"X-A": "1\\r\\nSet-Cookie: forged=1"}}',
    b'{"statusCode": 200, "headers": {"X-A": "nul\\u0000"}}',
    b'{"statusCode": 200, "headers": {"Bad Name": "v"}}',
    b'{"statusCode": 200, "headers": {"": "v"}}',
    b'{"statusCode": 200, "cookies": ["a=1\\nX-Forged: 1"]}',
    b'{"statusCode": "\\u0664\\u0661\\u0668"}',
]


@pytest.mark.parametrize("payload", MALFORMED_CASES)
def test_malformed_results_are_502(payload: bytes) -> None:
    """A result Lambda cannot read answers 502 "Internal Server Error", as a function error
    does (the body recorded by AWS: localstack's test_lambda_url_invocation_exception; a
    wrong format also 502 for API Gateway, https://docs.aws.amazon.com/lambda/latest/dg/
    services-apigateway-errors.html)."""
    assert url_response(payload) == BAD


def test_function_error_is_502_whatever_the_payload() -> None:
    """A function error answers 502 "Internal Server Error", not the error document
    (recorded by AWS: localstack's test_lambda_url_invocation_exception)."""
    error = json.dumps({"errorMessage": "boom", "errorType": "Exception"}).encode()
    assert url_response(error, function_error=True) == BAD
    assert url_response(b'{"statusCode": 200}', function_error=True) == BAD


def test_cookies_become_set_cookie_headers() -> None:
    """Each cookie is one Set-Cookie header, after the function's headers (URLS_PAGE,
    "Cookies")."""
    response = url_response(
        json.dumps(
            {"statusCode": 201, "headers": {"X-A": "1"}, "cookies": ["a=1", "b=2; Max-Age=5"]}
        ).encode()
    )
    assert response.wire_headers() == [
        ("Content-Type", "application/json"),
        ("X-A", "1"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2; Max-Age=5"),
    ]


@pytest.mark.parametrize(
    ("size", "status"), [(6291556, 200), (6291557, 502), (6 * 1024 * 1024, 200)]
)
def test_response_size_limit(size: int, status: int) -> None:
    """A result up to 6291556 bytes is answered; past it, 502 (Lambda's 6 MB response
    quota, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; the
    exact bound recorded as Function.ResponseSizeTooLarge in localstack's
    test_lambda_too_large_response)."""
    payload = b'"' + b"a" * (size - 2) + b'"'
    assert url_response(payload).status == status
