"""CloudWatch Logs filter patterns, compiled once: `compile_filter_pattern(text).matches(m)`.

The syntax of AWS's page "Filter pattern syntax for metric filters, subscription filters,
filter log events, and Live Tail", decided by the first character of the pattern
(after surrounding spaces):

    ""  (empty)      every event
    {  ...  }        a JSON pattern                      json_pattern.py
    [  ...  ]        a space-delimited pattern           delimited.py
    %  ...  %        a regular expression                regex.py
    anything else    terms, "phrases", ?optional, -excluded   terms.py

A pattern CloudWatch Logs would reject raises `InvalidFilterPatternError`
(InvalidParameterException, 400) with AWS's message (errors.py). Compiled patterns are
immutable and thread-safe; `matches` does no I/O and never raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

from nubis.control.logs.delimited import compile_delimited
from nubis.control.logs.errors import (
    MSG_DELIMITED_BRACKETS,
    MSG_INVALID,
    MSG_JSON_BRACES,
    InvalidFilterPatternError,
)
from nubis.control.logs.json_pattern import compile_json
from nubis.control.logs.regex import compile_regex
from nubis.control.logs.terms import compile_terms


class PatternKind(Enum):
    ALL = "all"
    TERMS = "terms"
    REGEX = "regex"
    JSON = "json"
    DELIMITED = "delimited"


@dataclass(frozen=True, slots=True)
class FilterPattern:
    text: str
    kind: PatternKind
    _match: Callable[[str], bool] = field(repr=False, compare=False)
    _extract: Callable[[str], dict[str, str] | None] | None = field(
        default=None, repr=False, compare=False
    )

    def matches(self, message: str) -> bool:
        """Whether one log event's message matches (case-sensitive, as on AWS)."""
        return self._match(message)

    def extract(self, message: str) -> dict[str, str] | None:
        """None when `message` does not match; else TestMetricFilter's extractedValues:
        the fields of a space-delimited pattern (`$status_code`, `$7`), empty otherwise."""
        if self._extract is not None:
            return self._extract(message)
        return {} if self._match(message) else None


@lru_cache(maxsize=512)
def compile_filter_pattern(text: str) -> FilterPattern:
    """Check and compile `text`; raises InvalidFilterPatternError as AWS would."""
    stripped = text.strip()
    if not stripped:
        return FilterPattern(text, PatternKind.ALL, _everything)
    first = stripped[0]
    if first == "{":
        if not stripped.endswith("}"):
            raise InvalidFilterPatternError(MSG_JSON_BRACES)
        return FilterPattern(text, PatternKind.JSON, compile_json(stripped[1:-1]))
    if first == "[":
        if not stripped.endswith("]"):
            raise InvalidFilterPatternError(MSG_DELIMITED_BRACKETS)
        delimited = compile_delimited(stripped[1:-1])
        return FilterPattern(text, PatternKind.DELIMITED, delimited.matches, delimited.extract)
    if first == "%":
        if len(stripped) < 2 or not stripped.endswith("%"):
            raise InvalidFilterPatternError(MSG_INVALID)
        regex = compile_regex(stripped[1:-1])
        return FilterPattern(text, PatternKind.REGEX, lambda m: regex.search(m) is not None)
    return FilterPattern(text, PatternKind.TERMS, compile_terms(stripped))


def _everything(_message: str) -> bool:
    return True
