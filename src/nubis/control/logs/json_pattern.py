"""JSON filter patterns: `{ $.a.b[0] = "x" && ($.n > 5 || $.flag IS TRUE) }`.

A property selector starts at the root `$`: `.name` (letters, digits, `-`, `_`),
`[N]` (array element, zero-based), `['key']` for keys holding a period
(`$.['cluster.name']`), and the wildcard `*` (`$.list[*]`, `$.*`) for any element or
field: one per selector, three per pattern (AWS's quotas). A condition on a wildcard
holds if it holds for any value it selects. `IS TRUE`, `IS FALSE`, `IS NULL` and
`NOT EXISTS` test booleans, null and absence; `IS NOT` and `EXISTS` are not supported
(as on AWS). A selector that reaches an array or an object matches no comparison, `=`
or `!=`. A message that is not JSON matches no JSON pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nubis.control.logs.conditions import (
    Cursor,
    Predicate,
    compile_expression,
    parse_comparison,
    tokenize,
)
from nubis.control.logs.errors import MSG_INVALID, InvalidFilterPatternError, invalid_term

_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_INDEX = re.compile(r"\d+")
MAX_WILDCARDS_PER_SELECTOR = 1
MAX_WILDCARDS_PER_PATTERN = 3

Step = tuple[str, Any]  # ("key", name) | ("index", n) | ("any", None)


@dataclass(frozen=True, slots=True)
class Selector:
    steps: tuple[Step, ...]

    def values(self, document: Any) -> Iterator[Any]:
        """Every node the selector reaches (several only through a wildcard)."""
        nodes: list[Any] = [document]
        for kind, arg in self.steps:
            nodes = [child for node in nodes for child in _children(node, kind, arg)]
            if not nodes:
                break
        return iter(nodes)


def _children(node: Any, kind: str, arg: Any) -> list[Any]:
    if kind == "key":
        return [node[arg]] if isinstance(node, dict) and arg in node else []
    if kind == "index":
        return [node[arg]] if isinstance(node, list) and arg < len(node) else []
    if isinstance(node, dict):
        return list(node.values())
    return list(node) if isinstance(node, list) else []


def parse_selector(text: str) -> Selector:
    """`$.a[0]['b.c'].*` → steps; a bad character names what was read up to it."""
    if not text.startswith("$") or len(text) == 1:
        raise InvalidFilterPatternError(invalid_term(text[:2]))
    steps: list[Step] = []
    i = 1
    while i < len(text):
        if text[i] == "." and text[i + 1 : i + 2] == "[":
            i += 1  # `$.['key']`, the page's form for a key with a period
        if text[i] == ".":
            i = _dotted(text, i + 1, steps)
        elif text[i] == "[":
            i = _bracket(text, i + 1, steps)
        else:
            raise InvalidFilterPatternError(invalid_term(text[: i + 1]))
    if sum(1 for kind, _ in steps if kind == "any") > MAX_WILDCARDS_PER_SELECTOR:
        raise InvalidFilterPatternError(MSG_INVALID)
    return Selector(tuple(steps))


def _dotted(text: str, i: int, steps: list[Step]) -> int:
    if text[i : i + 1] == "*":
        steps.append(("any", None))
        return i + 1
    match = _NAME.match(text, i)
    if match is None:
        raise InvalidFilterPatternError(invalid_term(text[: i + 1]))
    steps.append(("key", match.group()))
    return match.end()


def _bracket(text: str, i: int, steps: list[Step]) -> int:
    close = text.find("]", i)
    inner = text[i:close] if close >= 0 else ""
    if inner == "*":
        steps.append(("any", None))
    elif _INDEX.fullmatch(inner):
        steps.append(("index", int(inner)))
    elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        steps.append(("key", inner[1:-1]))
    else:
        raise InvalidFilterPatternError(invalid_term(text[: i + 1]))
    return close + 1


class _JsonOperands:
    """Reads `selector op value`, `selector IS X`, `selector NOT EXISTS` from a cursor."""

    def __init__(self) -> None:
        self.wildcards = 0
        self.regexes = [0]

    def __call__(self, cursor: Cursor) -> Predicate:
        token = cursor.take()
        if token.kind != "word" or not token.text.startswith("$"):
            raise InvalidFilterPatternError(invalid_term(token.text))
        after = cursor.peek()
        if token.text.endswith(".") and after is not None and after.kind == "string":
            raise InvalidFilterPatternError(invalid_term(token.text + '"'))  # $."a-b"
        selector = parse_selector(token.text)
        self.wildcards += sum(1 for kind, _ in selector.steps if kind == "any")
        if self.wildcards > MAX_WILDCARDS_PER_PATTERN:
            raise InvalidFilterPatternError(MSG_INVALID)
        verb = cursor.take()
        if verb.kind == "op":
            comparison = parse_comparison(verb.text, cursor.take(), self.regexes)
            return lambda doc: any(comparison.json(v) for v in selector.values(doc))
        if verb.kind == "word" and verb.text == "IS":
            return _is(selector, cursor.take())
        if verb.kind == "word" and verb.text == "NOT" and cursor.take().text == "EXISTS":
            return lambda doc: next(selector.values(doc), _ABSENT) is _ABSENT
        raise InvalidFilterPatternError(MSG_INVALID)


_ABSENT = object()
_IS = {"TRUE": True, "FALSE": False, "NULL": None}


def _is(selector: Selector, word: Any) -> Predicate:
    if word.kind != "word" or word.text not in _IS:
        raise InvalidFilterPatternError(MSG_INVALID)  # IS NOT ... is not supported
    expected = _IS[word.text]
    return lambda doc: any(v is expected for v in selector.values(doc))


def compile_json(body: str) -> Predicate:
    """The text between the braces → a predicate on the message text."""
    tokens = tokenize(body)
    if not tokens:
        raise InvalidFilterPatternError(MSG_INVALID)
    predicate = compile_expression(tokens, _JsonOperands())

    def matches(message: str) -> bool:
        if message.lstrip()[:1] not in ("{", "["):
            return False  # not JSON: no need to ask the parser
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return predicate(document)

    return matches
