"""Unstructured filter patterns: terms, quoted phrases, `?` optional terms, `-` exclusions.

Terms are case-sensitive substrings of the message (`ERROR` matches `ERRORCODE`). Every
plain term must occur, no `-` term may occur. `?` terms match when any of them occurs,
but only in a pattern of `?` terms alone: combined with plain or `-` terms they are
ignored (AWS's page: "all question mark terms will be ignored"). A term with characters
other than letters, digits and `_` must be quoted ("Invalid character(s) in term ..."
otherwise); inside quotes `\\"` and `\\\\` escape. `" "` matches every event (AWS's
"Match everything" example); `""` is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nubis.control.logs.conditions import read_quoted
from nubis.control.logs.errors import InvalidFilterPatternError, invalid_term

_BARE = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True, slots=True)
class Terms:
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    optional: tuple[str, ...]

    def matches(self, message: str) -> bool:
        if self.include or self.exclude:
            return all(t in message for t in self.include) and not any(
                t in message for t in self.exclude
            )
        return any(t in message for t in self.optional)


def parse_terms(text: str) -> Terms:
    buckets: dict[str, list[str]] = {"": [], "-": [], "?": []}
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        prefix = ""
        if text[i] in "?-" and i + 1 < len(text) and not text[i + 1].isspace():
            prefix, i = text[i], i + 1
        i, term = _term(text, i)
        buckets[prefix].append(term)
    return Terms(tuple(buckets[""]), tuple(buckets["-"]), tuple(buckets["?"]))


def _term(text: str, i: int) -> tuple[int, str]:
    if text[i] == '"':
        end, value = read_quoted(text, i)
        if value == "":
            raise InvalidFilterPatternError(invalid_term('""'))
        return end, "" if value.isspace() else value
    j = i
    while j < len(text) and not text[j].isspace():
        if _BARE.fullmatch(text[j]) is None:
            raise InvalidFilterPatternError(invalid_term(text[j]))
        j += 1
    return j, text[i:j]


def compile_terms(text: str) -> Callable[[str], bool]:
    return parse_terms(text).matches
