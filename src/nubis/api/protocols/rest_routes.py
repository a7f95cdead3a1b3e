"""Routing of (method, path, query) to an operation, compiled from each operation's `http`.

A requestUri is a path template with labels (``{FunctionName}``, greedy ``{Key+}``) and may
carry a fixed query part (``/2018-10-31/layers?find=LayerVersion``, ``...?List=ALL``) that
tells apart two operations on the same path and method. Routes are tried most specific
first: fixed query parts, then more literal segments, greedy labels last. Labels match
the raw (still percent-encoded) path and are decoded after matching, so an encoded ``/``
inside a label never splits it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from nubis.api import constants
from nubis.model.errors import UnknownOperationException

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


@dataclass(frozen=True, slots=True)
class Route:
    operation: str
    method: str
    template: str
    regex: re.Pattern[str]
    labels: tuple[str, ...]
    fixed_query: tuple[tuple[str, str | None], ...]  # (name, required value or None)
    sort_key: tuple[int, int, int, int]


def compile_route(operation: str, http: Mapping[str, Any]) -> Route:
    template = http["requestUri"]
    path, _, fixed = template.partition("?")
    fixed_query = tuple(
        (name, value if sep else None)
        for name, sep, value in (part.partition("=") for part in fixed.split("&") if part)
    )
    labels: list[str] = []
    pieces: list[str] = []
    position = greedy = 0
    for label in _LABEL.finditer(path):
        pieces.append(re.escape(path[position : label.start()]))
        pieces.append("(.+)" if label.group(2) else "([^/]+)")
        greedy += bool(label.group(2))
        labels.append(label.group(1))
        position = label.end()
    pieces.append(re.escape(path[position:].rstrip("/")))
    pieces.append("/?")  # older models and other SDKs send "/2015-03-31/functions/"
    literal_segments = sum(1 for s in path.split("/") if s and "{" not in s)
    return Route(
        operation=operation,
        method=http["method"].upper(),
        template=template,
        regex=re.compile("".join(pieces)),
        labels=tuple(labels),
        fixed_query=fixed_query,
        sort_key=(-len(fixed_query), greedy, -literal_segments, -len(path)),
    )


def query_values(query: Any, name: str) -> list[str]:
    """All values of `name` in a `Mapping[str, list[str]]`, a `Mapping[str, str]` or a multidict."""
    if query is None:
        return []
    getall = getattr(query, "getall", None)
    if getall is not None:
        return list(getall(name, []))
    values = query.get(name)
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return list(values)


class Router:
    """Finds the operation for a request. Built once; `match` is safe to call from any thread."""

    def __init__(self, routes: Iterable[Route]) -> None:
        # Index by method, then by the first path segment (the API date, e.g. 2015-03-31):
        # a request is compared only with the routes that can possibly match it.
        self._index: dict[str, dict[str, list[Route]]] = {}
        self._routes = sorted(routes, key=lambda r: r.sort_key)
        for route in self._routes:
            first = _first_segment(route.template)
            bucket = self._index.setdefault(route.method, {})
            bucket.setdefault("{" if "{" in first else first, []).append(route)

    def match(self, method: str, path: str, query: Any = None) -> tuple[str, dict[str, str]]:
        """(operation, decoded uri labels); raises UnknownOperationException if none matches."""
        raw_path, _, query_string = path.partition("?")
        if query is None and query_string:
            query = parse_qs(query_string, keep_blank_values=True)
        found = self._find(method.upper(), raw_path, query)
        if found is not None:
            return found
        allowed = sorted(
            other for other in self._index if self._find(other, raw_path, query) is not None
        )
        if allowed:
            raise UnknownOperationException(
                constants.MSG_WRONG_METHOD.format(
                    path=raw_path, method=method.upper(), allowed=", ".join(allowed)
                )
            )
        raise UnknownOperationException(
            constants.MSG_NO_ROUTE.format(method=method.upper(), path=raw_path)
        )

    def _find(self, method: str, path: str, query: Any) -> tuple[str, dict[str, str]] | None:
        bucket = self._index.get(method)
        if bucket is None:
            return None
        candidates = bucket.get(_first_segment(path), [])
        wildcard = bucket.get("{")
        if wildcard:
            candidates = sorted([*candidates, *wildcard], key=lambda r: r.sort_key)
        for route in candidates:
            found = route.regex.fullmatch(path)
            if found is None or not _query_fits(route, query):
                continue
            return route.operation, {
                label: unquote(value)
                for label, value in zip(route.labels, found.groups(), strict=True)
            }
        return None


def _first_segment(path: str) -> str:
    return path.split("?", 1)[0].lstrip("/").split("/", 1)[0]


def _query_fits(route: Route, query: Any) -> bool:
    for name, required in route.fixed_query:
        values = query_values(query, name)
        if not values or (required is not None and required not in values):
            return False
    return True
