"""Metric math expressions → a small tree: `SUM(METRICS("errors")) / m1 * 100`.

Grammar (loosest first): `OR`/`||`, `AND`/`&&`, comparisons `== != <= >= < >`,
`+ -`, `* /`, unary `-`, `^` (right-associative), then primaries: numbers, ids (start
with a lowercase letter: metrics and other expressions), `FUNCTION(args)` (upper case),
bare upper-case keywords as arguments (`REPEAT`, `LINEAR`, `AVG`, `DESC`), strings
(`"4xx"`, also with typographic quotes) and arrays `[m1, m2]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nubis.control.cloudwatch.errors import MetricValidationError

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<str>\"[^\"]*\"|\u201c[^\u201d]*\u201d)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>(),\[\]]))"
)
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")


@dataclass(frozen=True, slots=True)
class Node:
    kind: str  # num, id, keyword, str, call, array, unary, binary
    text: str = ""
    args: tuple[Node, ...] = ()
    value: float = 0.0


def expression_error(eid: str, detail: str) -> MetricValidationError:
    return MetricValidationError(f"Error in expression {eid}: {detail}")


def tokenize(text: str, eid: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            at = len(text) - len(text[pos:].lstrip()) + 1
            raise expression_error(eid, f"Syntax error at position {at}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    return tokens


class Parser:
    def __init__(self, text: str, eid: str) -> None:
        self.eid = eid
        self.tokens = tokenize(text, eid)
        self.pos = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise expression_error(self.eid, "Empty expression")
        node = self._binary(0)
        if self.pos != len(self.tokens):
            raise self._syntax()
        return node

    def _syntax(self) -> MetricValidationError:
        near = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end of expression"
        return expression_error(self.eid, f"Syntax error near {near}")

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _accept(self, *texts: str) -> str | None:
        token = self._peek()
        if token is not None and token[0] in ("op", "name") and token[1] in texts:
            self.pos += 1
            return token[1]
        return None

    def _expect(self, text: str) -> None:
        if self._accept(text) is None:
            raise self._syntax()

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("OR", "||"),
        ("AND", "&&"),
        _COMPARISONS,
        ("+", "-"),
        ("*", "/"),
    )

    def _binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self._unary()
        node = self._binary(level + 1)
        while (op := self._accept(*self._LEVELS[level])) is not None:
            op = {"OR": "||", "AND": "&&"}.get(op, op)
            node = Node("binary", op, (node, self._binary(level + 1)))
        return node

    def _unary(self) -> Node:
        if self._accept("-") is not None:
            return Node("unary", "-", (self._unary(),))
        return self._power()

    def _power(self) -> Node:
        base = self._primary()
        if self._accept("^") is not None:
            return Node("binary", "^", (base, self._unary()))
        return base

    def _primary(self) -> Node:
        token = self._peek()
        if token is None:
            raise self._syntax()
        kind, text = token
        self.pos += 1
        if kind == "num":
            return Node("num", text, value=float(text))
        if kind == "str":
            return Node("str", text[1:-1])
        if kind == "name":
            return self._name(text)
        if text == "(":
            node = self._binary(0)
            self._expect(")")
            return node
        if text == "[":
            return Node("array", "", self._list("]"))
        self.pos -= 1
        raise self._syntax()

    def _name(self, text: str) -> Node:
        if self._accept("(") is not None:
            return Node("call", text, self._list(")"))
        if text[0].islower():
            return Node("id", text)
        return Node("keyword", text)

    def _list(self, close: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self._accept(close) is not None:
            return ()
        while True:
            items.append(self._binary(0))
            if self._accept(close) is not None:
                return tuple(items)
            self._expect(",")


def parse_expression(text: str, eid: str) -> Node:
    """The tree of `text`; MetricValidationError("Error in expression <eid>: ...")."""
    return Parser(text, eid).parse()
