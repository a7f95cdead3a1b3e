"""Wildcards and policy variables, the string matching every policy element shares.

`*` matches any run of characters (also none, also `:` and `/`), `?` exactly one. Actions
match case-insensitively, resources and condition values case-sensitively (AWS's
"IAM JSON policy elements: Resource" and "Action" pages). `ArnLike`/`ArnEquals` match each
of the six colon-separated ARN parts on its own ("Condition operators", ARN section).

Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`) are
replaced before matching ("IAM policy elements: Variables and tags"). A replaced value is a
literal: a `*` in a user's name or a `${*}` matches only `*`. To keep that true through the
glob compiler, literal wildcard characters travel as private-use sentinels until the final
comparison. A variable with no value and no default makes the whole pattern unusable
(`None`): it matches nothing, as the page's "Policy variables with no value" says.

Compiled patterns are cached (`functools.lru_cache`); all functions are pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

# Literal `*`, `?` and `$` after substitution (Unicode private-use code points, which
# never occur in ARNs, actions or condition values AWS accepts).
_LIT = {"*": "\ue000", "?": "\ue001", "$": "\ue002"}
_UNLIT = str.maketrans({v: k for k, v in _LIT.items()})
_TO_LIT = str.maketrans(_LIT)

_VARIABLE = re.compile(
    r"\$\{\s*(?:(?P<special>[*?$])|(?P<key>[^\s,{}']+)"
    r"(?:\s*,\s*'(?P<default>(?:[^']|'')*)')?)\s*\}"
)

Lookup = Callable[[str], str | None]
"""Value of a context key for a variable (the key lower-cased); None if it has no value."""


def has_variables(text: str) -> bool:
    return "${" in text


def variable_keys(text: str) -> list[str]:
    """The context keys (lower-cased) the variables of `text` read."""
    return [m["key"].lower() for m in _VARIABLE.finditer(text) if m["key"]]


def substitute(text: str, lookup: Lookup) -> str | None:
    """`text` with its variables replaced (literal wildcards as sentinels), or None when a
    variable has neither a value nor a default."""
    missing = False

    def replace(m: re.Match[str]) -> str:
        nonlocal missing
        if m["special"]:
            return _LIT[m["special"]]
        value = lookup(m["key"].lower())
        if value is None:
            if m["default"] is None:
                missing = True
                return ""
            value = m["default"].replace("''", "'")
        return value.translate(_TO_LIT)

    out = _VARIABLE.sub(replace, text)
    return None if missing else out


def literal(text: str) -> str:
    """A substituted value back in plain characters (for exact comparisons)."""
    return text.translate(_UNLIT)


def _segment(text: str) -> str:
    """A run between `*`s: `?` is any one character, the rest literal."""
    return "".join("." if ch == "?" else re.escape(ch.translate(_UNLIT)) for ch in text)


def _regex(pattern: str) -> str:
    """The regex of a glob, in a form that cannot backtrack exponentially.

    A naive translation (`*` → `.*`) of `*a*a*a*a*a*a*a*a*a*a*a*a*b` takes minutes on 40
    `a`s: a DoS anyone who may write a policy could use. Here every segment between two
    `*`s is found at its first occurrence inside an atomic group and never reconsidered;
    that is still exact, because the segments have fixed lengths (a glob matches iff
    taking each middle segment at its leftmost possible place leaves room for the rest),
    and it costs O(len(value) * len(pattern)).
    """
    head, *rest = pattern.split("*")
    if not rest:
        return _segment(head)
    *middle, tail = rest
    found = "".join(f"(?>.*?{_segment(m)})" for m in middle if m)
    return f"{_segment(head)}{found}.*{_segment(tail)}"


@lru_cache(maxsize=8192)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(_regex(pattern), flags)


def compile_any(patterns: tuple[str, ...], *, ignore_case: bool = False) -> re.Pattern[str]:
    """One regex that fully matches what any of `patterns` matches (use `fullmatch`)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{_regex(p)})" for p in patterns), flags)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether `value` matches `pattern` (`*`, `?` wildcards) as a whole."""
    return _compile(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike: each of the six ARN parts matched on its own; a value or pattern that is
    not `arn:partition:service:region:account:resource` matches nothing."""
    if pattern == "*":
        return True
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))
