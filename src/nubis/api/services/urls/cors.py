"""CORS of a function URL, from its `Cors` configuration.

Documented (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors):
the six properties and the header each sets (AllowOrigins → Access-Control-Allow-Origin,
AllowMethods → -Allow-Methods, AllowHeaders → -Allow-Headers, ExposeHeaders →
-Expose-Headers, AllowCredentials → -Allow-Credentials, MaxAge → -Max-Age); `*` allows
every origin or method; Lambda adds the configured headers to every response and they
take precedence over a function's own.

Inferred (API Gateway HTTP APIs, whose CORS Lambda's follows, and browsers' needs):
a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered 200 by
Lambda without invoking the function, with the CORS headers only when the origin and the
method are allowed; an OPTIONS that is not a preflight, and every request of a URL
without `Cors`, reaches the function; Access-Control-Allow-Origin echoes the request's
origin, with `Vary: Origin`; `*` in AllowHeaders echoes the requested headers; origins
match exactly, case-insensitively (a pattern like `https://*.example.com` is not
documented for function URLs and is compared literally).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nubis.api.services.urls import constants as c
from nubis.api.services.urls.response import UrlResponse


@dataclass(frozen=True, slots=True)
class CorsConfig:
    """A function URL's `Cors`, as the Lambda API carries it."""

    allow_credentials: bool = False
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None

    @classmethod
    def from_wire(cls, cors: Mapping[str, Any]) -> CorsConfig:
        """From the API's `Cors` structure (every member optional)."""
        return cls(
            allow_credentials=bool(cors.get("AllowCredentials", False)),
            allow_headers=tuple(cors.get("AllowHeaders", ())),
            allow_methods=tuple(cors.get("AllowMethods", ())),
            allow_origins=tuple(cors.get("AllowOrigins", ())),
            expose_headers=tuple(cors.get("ExposeHeaders", ())),
            max_age=cors.get("MaxAge"),
        )

    def allows_origin(self, origin: str) -> bool:
        wanted = origin.lower()
        return any(o == c.WILDCARD or o.lower() == wanted for o in self.allow_origins)

    def allows_method(self, method: str) -> bool:
        wanted = method.upper()
        return any(m == c.WILDCARD or m.upper() == wanted for m in self.allow_methods)


def _origin_headers(config: CorsConfig, origin: str) -> list[tuple[str, str]]:
    headers = [(c.ALLOW_ORIGIN, origin)]
    if config.allow_credentials:
        headers.append((c.ALLOW_CREDENTIALS, "true"))
    return headers


def _allowed_headers(config: CorsConfig, requested: str | None) -> str | None:
    if c.WILDCARD in config.allow_headers:
        return requested or c.WILDCARD
    return ",".join(config.allow_headers) or None


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """OPTIONS carrying Origin and Access-Control-Request-Method (lower-cased names)."""
    return (
        method.upper() == "OPTIONS"
        and c.HEADER_ORIGIN in headers
        and c.HEADER_REQUEST_METHOD in headers
    )


def preflight(
    config: CorsConfig | None, method: str, headers: Mapping[str, str]
) -> UrlResponse | None:
    """Lambda's answer to a preflight, or None when the function must see the request.

    `headers` are the request's, names lower-cased (event.joined_headers).
    """
    if config is None or not is_preflight(method, headers):
        return None
    origin = headers[c.HEADER_ORIGIN]
    requested = headers[c.HEADER_REQUEST_METHOD]
    if not (config.allows_origin(origin) and config.allows_method(requested)):
        return UrlResponse(200, [])
    out = _origin_headers(config, origin)
    methods = requested if c.WILDCARD in config.allow_methods else ",".join(config.allow_methods)
    out.append((c.ALLOW_METHODS, methods))
    allowed = _allowed_headers(config, headers.get(c.HEADER_REQUEST_HEADERS))
    if allowed is not None:
        out.append((c.ALLOW_HEADERS, allowed))
    if config.max_age is not None:
        out.append((c.MAX_AGE, str(config.max_age)))
    out.append((c.VARY, "Origin"))
    return UrlResponse(200, out)


def actual_headers(config: CorsConfig | None, headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The CORS headers Lambda adds to the response of a non-preflight request."""
    if config is None:
        return []
    origin = headers.get(c.HEADER_ORIGIN)
    if origin is None or not config.allows_origin(origin):
        return []
    out = _origin_headers(config, origin)
    if config.expose_headers:
        out.append((c.EXPOSE_HEADERS, ",".join(config.expose_headers)))
    out.append((c.VARY, "Origin"))
    return out


def merge(
    response: Sequence[tuple[str, str]], cors: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The function's headers with the configured CORS ones in place of its own.

    A configured header replaces the function's of the same name; Vary is combined.
    """
    if not cors:
        return list(response)
    names = {name.lower() for name, _ in cors}
    kept = [(n, v) for n, v in response if n.lower() not in names]
    vary = [v for n, v in response if n.lower() == c.VARY.lower()]
    merged = [(n, v) for n, v in cors if n.lower() != c.VARY.lower()]
    if any(n.lower() == c.VARY.lower() for n, _ in cors):
        parts = [p.strip() for v in vary for p in v.split(",") if p.strip()]
        if "origin" not in {p.lower() for p in parts}:
            parts.append("Origin")
        merged.append((c.VARY, ", ".join(parts)))
    return kept + merged
