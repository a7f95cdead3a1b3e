"""Wildcard matching: exact against a plain regex oracle, and safe on hostile patterns."""

from __future__ import annotations

import random
import re

from nubis.control.iam.patterns import arn_match, compile_any, glob_match


def _oracle(pattern: str, value: str) -> bool:
    """The naive translation: right, but exponential on some patterns (small inputs only)."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.DOTALL) is not None


def test_glob_agrees_with_the_naive_regex_on_random_cases() -> None:
    rng = random.Random(12)
    for _ in range(5000):
        pattern = "".join(rng.choice("ab*?:/") for _ in range(rng.randint(0, 8)))
        value = "".join(rng.choice("ab:/") for _ in range(rng.randint(0, 9)))
        assert glob_match(pattern, value) == _oracle(pattern, value), (pattern, value)
        either = compile_any((pattern, "b*a"))
        expected = _oracle(pattern, value) or _oracle("b*a", value)
        assert (either.fullmatch(value) is not None) == expected, (pattern, value)


def test_a_pattern_that_backtracks_exponentially_when_naive_is_answered() -> None:
    # the naive regex takes minutes on 40 characters; this must simply return
    hostile = "*a" * 12 + "*b"
    assert not glob_match(hostile, "a" * 5000)
    assert glob_match(hostile, "a" * 5000 + "b")
    assert not arn_match(f"arn:aws:s3:::{hostile}", "arn:aws:s3:::" + "a" * 5000)
    assert compile_any((hostile,)).fullmatch("a" * 5000) is None


def test_case_rules() -> None:
    assert glob_match("lambda:Get*", "LAMBDA:getfunction", ignore_case=True)
    assert not glob_match("lambda:Get*", "lambda:getfunction")


def test_arn_parts_are_matched_one_by_one() -> None:
    arn = "arn:aws:lambda:us-east-1:111122223333:function:f:PROD"
    assert arn_match("arn:aws:lambda:*:111122223333:function:*", arn)
    assert not arn_match("arn:aws:lambda:*", arn)  # five parts: no ARN pattern
    assert not arn_match("arn:aws:lambda:us-*:*:*", "arn:aws:lambda:eu-west-1:1:function:f")
    assert arn_match("*", "not even an ARN")
