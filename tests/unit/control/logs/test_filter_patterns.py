"""Every case of pattern_table.py through compile_filter_pattern, and the patterns AWS rejects."""

from __future__ import annotations

import pytest

from nubis.control.logs import (
    FilterPattern,
    InvalidFilterPatternError,
    PatternKind,
    compile_filter_pattern,
)
from nubis.control.logs.errors import (
    MSG_DELIMITED_BRACKETS,
    MSG_INVALID,
    MSG_JSON_BRACES,
    invalid_term,
)

from .pattern_table import CASES, Case


def test_the_table_is_large_and_has_no_duplicates() -> None:
    assert len(CASES) >= 150
    keys = [(c.pattern, c.message) for c in CASES]
    assert len(set(keys)) == len(keys)


def test_each_group_has_both_outcomes_somewhere() -> None:
    """A table of only True (or only False) could not tell a broken matcher apart."""
    for kind in ("%", "{", "[", "E"):
        outcomes = {c.expected for c in CASES if c.pattern.lstrip().startswith(kind)}
        assert outcomes == {True, False}, kind


def _by_pattern() -> dict[str, list[Case]]:
    grouped: dict[str, list[Case]] = {}
    for case in CASES:
        grouped.setdefault(case.pattern, []).append(case)
    return grouped


BY_PATTERN = _by_pattern()


@pytest.mark.parametrize("pattern", list(BY_PATTERN), ids=repr)
def test_table(pattern: str) -> None:
    """One compile per pattern, then every message of the table for it."""
    compiled = compile_filter_pattern(pattern)
    wrong = [
        (c.message, c.expected, c.source)
        for c in BY_PATTERN[pattern]
        if compiled.matches(c.message) is not c.expected
    ]
    assert not wrong


INVALID = [
    # (pattern, AWS's message); the sources are the page and clients quoting AWS
    ("{ $.a = 1", MSG_JSON_BRACES),
    ('{$.kubernetes.namespace_name="abc"', MSG_JSON_BRACES),
    ("[time, level=ERROR, msg", MSG_DELIMITED_BRACKETS),
    ("%abcc|ab[^c]$", MSG_INVALID),  # the page's own typo: no closing %
    ("%something!%", invalid_term("!")),  # the page: '!' is not supported
    ("%(a|b)%", invalid_term("(")),  # the page: parentheses are not supported
    (r"%\(x%", invalid_term("\\(")),
    ("%caf\u00e9%", invalid_term("\u00e9")),  # multi-byte characters are not supported
    ("%%", MSG_INVALID),
    ("%[a-%", MSG_INVALID),
    ("email@domain.com", invalid_term("@")),
    ("?Status: timeout", invalid_term(":")),
    ("PlayerSpawnedInWorld (reason: JoinMultiplayer", invalid_term("(")),
    ('""', invalid_term('""')),
    ("-", invalid_term("-")),
    ('"unterminated', MSG_INVALID),
    ('{ $."sc-status" = 5* }', invalid_term('$."')),
    ('{ $.message = "error-response", $.path = "/authenticate" }', invalid_term(",")),
    ("{ $.a IS NOT NULL }", MSG_INVALID),  # the page: IS NOT is not supported
    ("{ $.a EXISTS }", MSG_INVALID),  # the page: EXISTS is not supported
    ("{ $.a IS MAYBE }", MSG_INVALID),
    ("{ }", MSG_INVALID),
    ("{ a = 1 }", invalid_term("a")),
    ('{ $.a > "x" }', MSG_INVALID),
    ("{ $.a = %x% && $.b > %y% }", MSG_INVALID),
    ("{ $.a[*].b[*] = 1 }", MSG_INVALID),  # one wildcard per selector
    ("{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }", MSG_INVALID),  # three
    ("{ $.a = %x% || $.b = %y% || $.c = %z% }", MSG_INVALID),  # two regexes per pattern
    ("{ ($.a = 1 }", MSG_INVALID),
    ('{ $.a = "x }', MSG_INVALID),
    ("{ $.a = 1 $.b = 2 }", invalid_term("$.b")),
    ("{ $.a = }", MSG_INVALID),
    ("{ $.a[x] = 1 }", invalid_term("$.a[x")),
    ("{ $.a = @x }", invalid_term("@")),
    ("[a, b = %x%, c = %y%, d = %z%]", MSG_INVALID),
    ("[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", MSG_INVALID),
    ("[]", MSG_INVALID),
    ("[a, 1b]", invalid_term("1b")),
    ("[a > x, b]", MSG_INVALID),
]


def test_invalid_cases_are_unique() -> None:
    assert len({p for p, _ in INVALID}) == len(INVALID)


@pytest.mark.parametrize(("pattern", "message"), INVALID, ids=[p for p, _ in INVALID])
def test_invalid(pattern: str, message: str) -> None:
    with pytest.raises(InvalidFilterPatternError) as caught:
        compile_filter_pattern(pattern)
    assert caught.value.message == message
    assert caught.value.wire_type == "InvalidParameterException"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", PatternKind.ALL),
        ("   ", PatternKind.ALL),
        ("ERROR", PatternKind.TERMS),
        ("%x%", PatternKind.REGEX),
        ("{ $.a = 1 }", PatternKind.JSON),
        ("  [a, b]  ", PatternKind.DELIMITED),
    ],
)
def test_kind(text: str, kind: PatternKind) -> None:
    pattern = compile_filter_pattern(text)
    assert isinstance(pattern, FilterPattern)
    assert pattern.kind is kind
    assert pattern.text == text


def test_compiled_once_and_shared() -> None:
    assert compile_filter_pattern("ERROR -x") is compile_filter_pattern("ERROR -x")
