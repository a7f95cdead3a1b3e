"""The regular-expression subset of filter patterns (`%...%`), compiled to Python's `re`.

AWS's page lists what a regex may hold: letters and digits; the symbols ``: _ # = @ / ; , -``
(and the space its examples use); the operators ``^ $ ? [ ] { } | \\ * +`` and ``.``;
``\\d \\D \\s \\S \\w \\W`` (ASCII classes: ``\\d`` is ``[0-9]``, ``\\w`` is
``[a-zA-Z_0-9]``), ``\\xhh`` for any ASCII character, and a backslash before an operator
for its literal meaning. Parentheses are not supported (not even escaped; ``\\x28`` is the
way), nor multi-byte characters. ``{m, n}`` may omit either bound and may hold spaces.
A regex matches anywhere in the text it is applied to (``re.search``) unless anchored.
"""

from __future__ import annotations

import re

from nubis.control.logs.errors import MSG_INVALID, InvalidFilterPatternError, invalid_term

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_#=@/;,- ")
_OPERATORS = frozenset("^$?[]{}|*+.")
_ESCAPABLE = _OPERATORS | frozenset("\\-/")
_CLASSES = frozenset("dDsSwW")
_HEX = frozenset("0123456789abcdefABCDEF")
_BOUNDS = re.compile(r"\{\s*(\d*)\s*,\s*(\d*)\s*\}")


def compile_regex(body: str) -> re.Pattern[str]:
    """Check `body` (the text between the `%` signs) against AWS's subset and compile it."""
    if not body:
        raise InvalidFilterPatternError(MSG_INVALID)
    _check_characters(body)
    translated = _BOUNDS.sub(_bounds, body)
    try:
        return re.compile(translated, re.ASCII)
    except re.error as exc:
        raise InvalidFilterPatternError(MSG_INVALID) from exc


def _check_characters(body: str) -> None:
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += _escape_length(body, i)
            continue
        if char not in _PLAIN and char not in _OPERATORS:
            raise InvalidFilterPatternError(invalid_term(char))
        i += 1


def _escape_length(body: str, i: int) -> int:
    nxt = body[i + 1 : i + 2]
    if nxt in _CLASSES or (nxt and nxt in _ESCAPABLE):
        return 2
    if nxt == "x" and len(body) >= i + 4 and set(body[i + 2 : i + 4]) <= _HEX:
        return 4
    raise InvalidFilterPatternError(invalid_term(body[i : i + 2]))


def _bounds(match: re.Match[str]) -> str:
    low, high = match.group(1), match.group(2)
    return "{" + (low or "0") + "," + high + "}"
