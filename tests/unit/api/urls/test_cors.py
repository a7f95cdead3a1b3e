"""CORS of a function URL: preflights answered from the configuration, headers added to
actual responses."""

from __future__ import annotations

import pytest

from nubis.api.services.urls.cors import CorsConfig, actual_headers, merge, preflight
from nubis.api.services.urls.response import UrlResponse

CORS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors"
APIGW_CORS_PAGE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html"

SITE = "https://www.example.com"
CONFIG = CorsConfig.from_wire(
    {
        "AllowOrigins": [SITE, "http://localhost:60905"],
        "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["Date", "X-Custom-Header"],
        "ExposeHeaders": ["Keep-Alive"],
        "MaxAge": 300,
    }
)
OPEN = CorsConfig.from_wire({"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]})
CREDENTIALS = CorsConfig.from_wire(
    {"AllowOrigins": [SITE], "AllowMethods": ["DELETE"], "AllowCredentials": True}
)


def _pre(origin: str, method: str, headers: str | None = None) -> dict[str, str]:
    out = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        out["access-control-request-headers"] = headers
    return out


PREFLIGHT_CASES = [
    (
        CONFIG,
        _pre(SITE, "POST"),
        [
            ("Access-Control-Allow-Origin", SITE),
            ("Access-Control-Allow-Methods", "GET,POST"),
            ("Access-Control-Allow-Headers", "Date,X-Custom-Header"),
            ("Access-Control-Max-Age", "300"),
            ("Vary", "Origin"),
        ],
    ),
    (CONFIG, _pre("http://localhost:60905", "get"), None),
    (CONFIG, _pre("HTTPS://WWW.EXAMPLE.COM", "GET"), None),
    (CONFIG, _pre("https://evil.example", "GET"), []),
    (CONFIG, _pre(SITE, "DELETE"), []),
    (CONFIG, _pre("https://sub.www.example.com", "GET"), []),
    (
        OPEN,
        _pre("https://any.example", "PATCH", "x-a,x-b"),
        [
            ("Access-Control-Allow-Origin", "https://any.example"),
            ("Access-Control-Allow-Methods", "PATCH"),
            ("Access-Control-Allow-Headers", "x-a,x-b"),
            ("Vary", "Origin"),
        ],
    ),
    (
        OPEN,
        _pre("null", "GET"),
        [
            ("Access-Control-Allow-Origin", "null"),
            ("Access-Control-Allow-Methods", "GET"),
            ("Access-Control-Allow-Headers", "*"),
            ("Vary", "Origin"),
        ],
    ),
    (
        CREDENTIALS,
        _pre(SITE, "DELETE"),
        [
            ("Access-Control-Allow-Origin", SITE),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "DELETE"),
            ("Vary", "Origin"),
        ],
    ),
    (CorsConfig.from_wire({}), _pre(SITE, "GET"), []),
    (CorsConfig.from_wire({"AllowOrigins": [SITE]}), _pre(SITE, "GET"), []),
    (
        CorsConfig.from_wire({"AllowOrigins": ["https://*.example.com"], "AllowMethods": ["*"]}),
        _pre("https://a.example.com", "GET"),
        [],
    ),
]


@pytest.mark.parametrize(("config", "headers", "expected"), PREFLIGHT_CASES)
def test_preflight_answered_from_the_configuration(
    config: CorsConfig, headers: dict[str, str], expected: list[tuple[str, str]] | None
) -> None:
    """A preflight is answered without the function, with the configured headers when the
    origin and method are allowed (CORS_PAGE: the properties and their headers; APIGW_CORS_PAGE:
    "API Gateway automatically responds to preflight OPTIONS requests"). `None` expected
    means: the same headers as the first case, with the request's origin."""
    response = preflight(config, "OPTIONS", headers)
    assert response is not None
    if expected is None:
        assert response.status == 200
        assert dict(response.headers)["Access-Control-Allow-Origin"] == headers["origin"]
        assert dict(response.headers)["Access-Control-Allow-Methods"] == "GET,POST"
    else:
        assert response == UrlResponse(200, expected)


NOT_PREFLIGHT_CASES = [
    (None, "OPTIONS", _pre(SITE, "GET")),
    (CONFIG, "GET", _pre(SITE, "GET")),
    (CONFIG, "POST", _pre(SITE, "POST")),
    (CONFIG, "OPTIONS", {"origin": SITE}),
    (CONFIG, "OPTIONS", {"access-control-request-method": "GET"}),
    (CONFIG, "OPTIONS", {}),
]


@pytest.mark.parametrize(("config", "method", "headers"), NOT_PREFLIGHT_CASES)
def test_other_requests_reach_the_function(
    config: CorsConfig | None, method: str, headers: dict[str, str]
) -> None:
    """Without a Cors configuration, and for anything but OPTIONS with Origin and
    Access-Control-Request-Method, the function is invoked (CORS_PAGE: CORS headers come
    from the configuration "or you can manually add CORS headers to your function response")."""
    assert preflight(config, method, headers) is None


ACTUAL_CASES = [
    (
        CONFIG,
        {"origin": SITE},
        [
            ("Access-Control-Allow-Origin", SITE),
            ("Access-Control-Expose-Headers", "Keep-Alive"),
            ("Vary", "Origin"),
        ],
    ),
    (CONFIG, {"origin": "https://evil.example"}, []),
    (CONFIG, {}, []),
    (None, {"origin": SITE}, []),
    (
        OPEN,
        {"origin": "https://x.example"},
        [("Access-Control-Allow-Origin", "https://x.example"), ("Vary", "Origin")],
    ),
    (
        CREDENTIALS,
        {"origin": SITE},
        [
            ("Access-Control-Allow-Origin", SITE),
            ("Access-Control-Allow-Credentials", "true"),
            ("Vary", "Origin"),
        ],
    ),
]


@pytest.mark.parametrize(("config", "headers", "expected"), ACTUAL_CASES)
def test_actual_response_headers(
    config: CorsConfig | None, headers: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    """ "Lambda automatically adds the CORS headers to all responses through the function
    URL" (CORS_PAGE) when the request's origin is allowed."""
    assert actual_headers(config, headers) == expected


MERGE_CASES = [
    (
        [("Content-Type", "text/plain"), ("access-control-allow-origin", "*")],
        [("Access-Control-Allow-Origin", SITE), ("Vary", "Origin")],
        [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", SITE), ("Vary", "Origin")],
    ),
    (
        [("Vary", "Accept-Encoding")],
        [("Access-Control-Allow-Origin", SITE), ("Vary", "Origin")],
        [("Access-Control-Allow-Origin", SITE), ("Vary", "Accept-Encoding, Origin")],
    ),
    (
        [("Vary", "origin")],
        [("Access-Control-Allow-Origin", SITE), ("Vary", "Origin")],
        [("Access-Control-Allow-Origin", SITE), ("Vary", "origin")],
    ),
    (
        [("Access-Control-Allow-Origin", "*"), ("X-A", "1")],
        [],
        [("Access-Control-Allow-Origin", "*"), ("X-A", "1")],
    ),
]


@pytest.mark.parametrize(("response", "cors", "expected"), MERGE_CASES)
def test_configured_headers_take_precedence(
    response: list[tuple[str, str]], cors: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    """ "If there are conflicting headers, the configured CORS headers on the function URL
    take precedence" (CORS_PAGE); without configured headers the function's stay."""
    assert merge(response, cors) == expected
