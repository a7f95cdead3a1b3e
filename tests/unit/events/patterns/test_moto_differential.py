"""Differential test: the matcher against moto's EventPattern on generated pairs.

A seeded generator draws patterns from the operators moto implements the way AWS does, and
events from a small universe of keys and values so that matches are frequent; every pair
must get moto's verdict. Left out, because moto differs from AWS there (the recorded AWS
cases in test_recorded_cases.py cover them):

- booleans in events: moto compares `True == 1` (a pattern `[1]` or a numeric range
  matches `true`); AWS keeps booleans apart from numbers.
- empty arrays and empty objects in events: moto treats them as leaves (so `exists` is
  true); AWS's flattening yields no leaf (`exists_list_empty_NEG`).
- objects inside arrays: moto does not descend into arrays (`list_within_dict` fails).
- dotted event keys beside nested ones of the same path: moto's flat dict keeps one.
- strings that are IP addresses: AWS compares them as addresses, moto as text.
- `cidr` and invalid patterns: moto neither refuses bad patterns nor masks as AWS does.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from nubis.events.patterns import compile_pattern

moto_models = pytest.importorskip("moto.events.models")

KEYS = ["a", "b", "c", "d.e", "d.f"]
STRINGS = ["", "a", "ab", "abc", "b", "ba", "A", "AB", "Ab", "x-y", "a*b", "cab"]
NUMBERS: list[Any] = [-2, 0, 1, 5, 10, 0.5, 5.0, 7.25]
PAIRS = 6000


def scalar(rng: random.Random) -> Any:
    kind = rng.random()
    if kind < 0.55:
        return rng.choice(STRINGS)
    if kind < 0.9:
        return rng.choice(NUMBERS)
    return None


def event_value(rng: random.Random) -> Any:
    if rng.random() < 0.2:
        return [scalar(rng) for _ in range(rng.randint(1, 3))]
    return scalar(rng)


def make_event(rng: random.Random) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for key in KEYS:
        if rng.random() < 0.75:
            head, _, tail = key.partition(".")
            if tail:
                event.setdefault(head, {})[tail] = event_value(rng)
            else:
                event[head] = event_value(rng)
    return event


def numeric_expression(rng: random.Random) -> list[Any]:
    low, high = sorted(rng.sample([-3, 0, 1, 2, 5, 6, 10], 2))
    shape = rng.randrange(4)
    if shape == 0:
        return ["=", rng.choice(NUMBERS)]
    if shape == 1:
        return [rng.choice(["<", "<="]), high]
    if shape == 2:
        return [rng.choice([">", ">="]), low]
    return [rng.choice([">", ">="]), low, rng.choice(["<", "<="]), high]


def wildcard_text(rng: random.Random) -> str:
    return rng.choice(["*", "a*", "*b", "a*b", "*a*", "A*", "x-*", "a\\*b", "ab*c*"])


def match_value(rng: random.Random) -> Any:
    """One value of a field's list: an exact value or a match expression."""
    text = rng.choice([s for s in STRINGS if s])
    expressions: list[Any] = [
        rng.choice(STRINGS),
        rng.choice(NUMBERS),
        None,
        {"prefix": text[:2]},
        {"suffix": text[-1:]},
        {"prefix": {"equals-ignore-case": text[:2]}},
        {"suffix": {"equals-ignore-case": text[-2:]}},
        {"equals-ignore-case": text},
        {"anything-but": text},
        {"anything-but": rng.sample([s for s in STRINGS if s], 2)},
        {"anything-but": rng.choice(NUMBERS)},
        {"anything-but": rng.sample(NUMBERS, 2)},
        {"anything-but": {"prefix": text[:1]}},
        {"anything-but": {"suffix": text[-1:]}},
        {"anything-but": {"equals-ignore-case": text}},
        {"numeric": numeric_expression(rng)},
        {"exists": rng.random() < 0.5},
        {"wildcard": wildcard_text(rng)},
    ]
    return rng.choice(expressions)


def make_fields(rng: random.Random, keys: list[str]) -> dict[str, Any]:
    pattern: dict[str, Any] = {}
    for key in keys:
        values = [match_value(rng) for _ in range(rng.randint(1, 3))]
        head, _, tail = key.partition(".")
        if tail:
            pattern.setdefault(head, {})[tail] = values
        else:
            pattern[head] = values
    return pattern


def make_pattern(rng: random.Random) -> dict[str, Any]:
    keys = rng.sample(KEYS, rng.randint(1, 3))
    pattern = make_fields(rng, keys)
    if rng.random() < 0.25:
        rest = [k for k in KEYS if k not in keys and "." not in k] or ["z"]
        pattern["$or"] = [make_fields(rng, [rng.choice(rest)]) for _ in range(2)]
    return pattern


def moto_matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return bool(moto_models.EventPattern(None, pattern).matches_event(event))


def test_agrees_with_moto_on_generated_pairs() -> None:
    rng = random.Random(20261201)
    disagreements = []
    matched = 0
    for _ in range(PAIRS // 3):
        pattern = make_pattern(rng)
        compiled = compile_pattern(pattern)
        for _ in range(3):
            event = make_event(rng)
            ours = compiled.matches(event)
            matched += ours
            if ours != moto_matches(pattern, event):
                disagreements.append((pattern, event, ours))
    assert disagreements == []
    # The generator is useful only if both verdicts occur often.
    assert PAIRS * 0.1 < matched < PAIRS * 0.9
