"""What JSON and space-delimited patterns share: the lexer, values, comparisons, `&&`/`||`.

A condition is `operand operator value`: operators `=`, `!=`, `<`, `>`, `<=`, `>=`;
values a number (sign, decimals, exponent: `+1000`, `1e-3`), a quoted string, a bare
string (letters, digits, `_ . * + -`), or a regex `%...%`. In strings a leading and a
trailing `*` are wildcards (`*Event`, `Event*`, `*html*`; `Ev*ent` is the literal
`Ev*ent`, as AWS's page says); a lone `*` matches any value. Conditions combine with
`&&` (binding tighter) and `||`, and parentheses.

A predicate is a plain function of what it looks at (a decoded JSON document, or the
fields of a delimited line); `compile_expression` builds one from the tokens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nubis.control.logs.errors import MSG_INVALID, InvalidFilterPatternError, invalid_term
from nubis.control.logs.regex import compile_regex

Predicate = Callable[[Any], bool]
OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BARE = re.compile(r"[A-Za-z0-9_.*+\-]+")
_STOP = frozenset(' \t\r\n()&|=!<>"%,')


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "(", ")", "&&", "||", "op", "string", "regex", "word"
    text: str


def tokenize(text: str) -> list[Token]:
    """Split a condition expression; a `$` word runs through its brackets (selectors)."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(Token(char, char))
            i += 1
        elif text.startswith(("&&", "||"), i):
            tokens.append(Token(text[i : i + 2], text[i : i + 2]))
            i += 2
        elif char in "=!<>":
            i = _operator(text, i, tokens)
        elif char == '"':
            end, value = read_quoted(text, i)
            tokens.append(Token("string", value))
            i = end
        elif char == "%":
            end = text.find("%", i + 1)
            if end < 0:
                raise InvalidFilterPatternError(MSG_INVALID)
            tokens.append(Token("regex", text[i + 1 : end]))
            i = end + 1
        else:
            i = _word(text, i, tokens)
    return tokens


def _operator(text: str, i: int, tokens: list[Token]) -> int:
    for op in OPERATORS:
        if text.startswith(op, i):
            tokens.append(Token("op", op))
            return i + len(op)
    raise InvalidFilterPatternError(invalid_term(text[i]))


def _word(text: str, i: int, tokens: list[Token]) -> int:
    start = i
    while i < len(text) and text[i] not in _STOP:
        if text[i] == "[" and text[start] == "$":
            close = text.find("]", i)
            i = len(text) if close < 0 else close + 1
            continue
        i += 1
    if i == start:  # a character that cannot start anything here, such as ','
        raise InvalidFilterPatternError(invalid_term(text[i]))
    tokens.append(Token("word", text[start:i]))
    return i


def read_quoted(text: str, i: int) -> tuple[int, str]:
    """The string starting at the quote `text[i]`: (index after it, unescaped value).
    `\\"` and `\\\\` are the escapes; an unterminated string is an invalid pattern."""
    out: list[str] = []
    j = i + 1
    while j < len(text):
        char = text[j]
        if char == "\\" and j + 1 < len(text) and text[j + 1] in '"\\':
            out.append(text[j + 1])
            j += 2
        elif char == '"':
            return j + 1, "".join(out)
        else:
            out.append(char)
            j += 1
    raise InvalidFilterPatternError(MSG_INVALID)


# -- values and comparisons -----------------------------------------------------------


def string_matcher(text: str) -> Callable[[str], bool]:
    """Equality with AWS's wildcards: a leading and/or trailing `*`; `*` alone: anything."""
    if text == "*":
        return lambda _s: True
    head = text.startswith("*")
    tail = text.endswith("*") and len(text) > 1
    core = text[1 if head else 0 : len(text) - 1 if tail else len(text)]
    if head and tail:
        return lambda s: core in s
    if head:
        return lambda s: s.endswith(core)
    if tail:
        return lambda s: s.startswith(core)
    return lambda s: s == core


@dataclass(frozen=True, slots=True)
class Comparison:
    """`op value`, applied to a JSON value node or to a delimited field's text."""

    op: str
    number: float | None = None
    match: Callable[[str], bool] | None = None  # string or regex

    def json(self, actual: Any) -> bool:
        if isinstance(actual, bool) or actual is None:
            return False  # booleans and null answer only IS TRUE/FALSE/NULL
        if isinstance(actual, int | float):
            if self.number is not None:
                return _compare(self.op, float(actual), self.number)
            return self._text(json_number_text(actual))
        if isinstance(actual, str):
            return False if self.number is not None else self._text(actual)
        return False  # an array or an object is not a value node

    def field(self, text: str) -> bool:
        if self.number is not None:
            value = _as_number(text)
            if value is None:
                return self.op == "!="
            return _compare(self.op, value, self.number)
        return self._text(text)

    def _text(self, text: str) -> bool:
        assert self.match is not None
        found = self.match(text)
        return not found if self.op == "!=" else found


def json_number_text(value: int | float) -> str:
    """A JSON number as text, for wildcard and regex matches (`4*` against 404)."""
    return str(value) if isinstance(value, int) else repr(value)


def _as_number(text: str) -> float | None:
    if NUMBER.fullmatch(text) is None:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _compare(op: str, left: float, right: float) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    return left >= right


def parse_comparison(op: str, value: Token, counter: list[int]) -> Comparison:
    """The right-hand side `value` of `op`; `counter[0]` counts regexes (AWS allows 2)."""
    if value.kind == "regex":
        if op not in ("=", "!="):
            raise InvalidFilterPatternError(MSG_INVALID)
        counter[0] += 1
        if counter[0] > 2:
            raise InvalidFilterPatternError(MSG_INVALID)
        pattern = compile_regex(value.text)
        return Comparison(op, match=lambda s: pattern.search(s) is not None)
    if value.kind == "word" and NUMBER.fullmatch(value.text):
        return Comparison(op, number=float(value.text))
    if op not in ("=", "!="):
        raise InvalidFilterPatternError(MSG_INVALID)
    if value.kind == "word":
        bad = next((c for c in value.text if not _BARE.fullmatch(c)), None)
        if bad is not None:
            raise InvalidFilterPatternError(invalid_term(bad))
        return Comparison(op, match=string_matcher(value.text))
    if value.kind == "string":
        return Comparison(op, match=string_matcher(value.text))
    raise InvalidFilterPatternError(MSG_INVALID)


# -- && / || / parentheses ------------------------------------------------------------

OperandParser = Callable[["Cursor"], Predicate]


class Cursor:
    """Tokens with a position; the operand parser of each pattern kind reads from it."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise InvalidFilterPatternError(MSG_INVALID)
        self.pos += 1
        return token


def compile_expression(tokens: list[Token], operand: OperandParser) -> Predicate:
    """`a || b && (c)` → one predicate; every token must be used."""
    cursor = Cursor(tokens)
    predicate = _or(cursor, operand)
    extra = cursor.peek()
    if extra is not None:
        raise InvalidFilterPatternError(
            invalid_term(extra.text) if extra.kind == "word" else MSG_INVALID
        )
    return predicate


def _or(cursor: Cursor, operand: OperandParser) -> Predicate:
    parts = [_and(cursor, operand)]
    while (token := cursor.peek()) is not None and token.kind == "||":
        cursor.take()
        parts.append(_and(cursor, operand))
    if len(parts) == 1:
        return parts[0]
    return lambda doc: any(part(doc) for part in parts)


def _and(cursor: Cursor, operand: OperandParser) -> Predicate:
    parts = [_primary(cursor, operand)]
    while (token := cursor.peek()) is not None and token.kind == "&&":
        cursor.take()
        parts.append(_primary(cursor, operand))
    if len(parts) == 1:
        return parts[0]
    return lambda doc: all(part(doc) for part in parts)


def _primary(cursor: Cursor, operand: OperandParser) -> Predicate:
    token = cursor.peek()
    if token is not None and token.kind == "(":
        cursor.take()
        inner = _or(cursor, operand)
        if cursor.take().kind != ")":
            raise InvalidFilterPatternError(MSG_INVALID)
        return inner
    return operand(cursor)
