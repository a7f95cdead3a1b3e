"""The 155 AWS-recorded pattern cases (+ the duplicate-key pair) against the matcher.

A case named `*_NEG` must not match, `*_EXC` must be refused, every other one must match.
Where AWS's answer to an `_EXC` case was recorded (LocalStack's snapshot of
TestEventPattern), the refusal's reason must be AWS's, word for word.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import json5
import pytest

from nubis.events.patterns import InvalidEventPatternException, compile_pattern

CASES = Path(__file__).parent / "cases"
NAMES = sorted(p.stem for p in CASES.glob("*.json5"))

# Reasons AWS gave (InvalidEventPatternException, 400), recorded 2024-12-05.
AWS_REASONS = {
    "arrays_empty_EXC": "Empty arrays are not allowed",
    "content_anything_but_ignorecase_EXC": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "content_anything_but_ignorecase_list_EXC": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "content_anything_prefix_ignorecase_EXC": (
        "Value of anything-but must be an array or single string/number value."
    ),
    "content_anything_suffix_ignorecase_EXC": (
        "Value of anything-but must be an array or single string/number value."
    ),
    "content_anything_prefix_int_EXC": "prefix/suffix match pattern must be a string",
    "content_anything_prefix_list_type_EXC": "prefix/suffix match pattern must be a string",
    "content_anything_suffix_int_EXC": "prefix/suffix match pattern must be a string",
    "content_anything_suffix_list_type_EXC": "prefix/suffix match pattern must be a string",
    "content_anything_wildcard_list_type_EXC": "wildcard match pattern must be a string",
    "content_anything_wildcard_type_EXC": "wildcard match pattern must be a string",
    "content_ignorecase_EXC": "equals-ignore-case match pattern must be a string",
    "content_ignorecase_list_EXC": "equals-ignore-case match pattern must be a string",
    "content_ip_address_EXC": "Malformed CIDR, one '/' required",
    "content_ip_address_bad_ip_EXC": "Nonstandard IP address: xx.11.xx",
    "content_ip_address_bad_mask_EXC": "Malformed CIDR, mask bits must be an integer",
    "content_ip_address_type_EXC": "prefix match pattern must be a string",
    "content_ip_address_v6_bad_ip_EXC": "Nonstandard IP address: xxxx:db8:1234:1a00::",
    "content_numeric_EXC": "Bad numeric range operator: >",
    "content_numeric_operatorcasing_EXC": "Unrecognized match type NUMERIC",
    "content_numeric_syntax_EXC": "Value of < must be numeric",
    "content_prefix_int_EXC": "prefix match pattern must be a string",
    "content_prefix_list_EXC": "prefix match pattern must be a string",
    "content_suffix_int_EXC": "suffix match pattern must be a string",
    "content_suffix_list_EXC": "suffix match pattern must be a string",
    "content_wildcard_complex_EXC": (
        "Rule is too complex - try using fewer wildcard characters or fewer repeating "
        "character sequences after a wildcard character"
    ),
    "content_wildcard_int_EXC": "wildcard match pattern must be a string",
    "content_wildcard_list_EXC": "wildcard match pattern must be a string",
    "content_wildcard_repeating_star_EXC": "Consecutive wildcard characters at pos 26",
    "int_nolist_EXC": '"int" must be an object or an array',
    "operator_case_sensitive_EXC": "Unrecognized match type EXISTS",
    "string_nolist_EXC": '"string" must be an object or an array',
}


def load(name: str) -> dict[str, Any]:
    with (CASES / f"{name}.json5").open(encoding="utf-8") as f:
        case: dict[str, Any] = json5.load(f)
    return case


def test_every_case_is_here() -> None:
    # 155 JSON5 cases + the two files of the duplicate-key case + LICENSE + README.
    assert len(NAMES) == 155
    assert len(list(CASES.iterdir())) == 159


@pytest.mark.parametrize("name", NAMES)
def test_recorded_case(name: str) -> None:
    case = load(name)
    text = json.dumps(case["EventPattern"])
    if name.endswith("_EXC"):
        with pytest.raises(InvalidEventPatternException) as refused:
            compile_pattern(text)
        assert refused.value.message.startswith("Event pattern is not valid. Reason: ")
        if name in AWS_REASONS:
            assert refused.value.reason == AWS_REASONS[name]
        return
    pattern = compile_pattern(text)
    assert pattern.matches(json.dumps(case["Event"])) is not name.endswith("_NEG")
    # The same pattern given as a parsed object compiles to the same verdict.
    assert compile_pattern(case["EventPattern"]).matches(case["Event"]) is not name.endswith("_NEG")


def test_duplicate_key_keeps_the_later_value() -> None:
    # AWS matched this: "location" is given twice; the later anything-but wins over the
    # prefix "us-" that eu-central-1 would fail.
    pattern = (CASES / "complex_multi_key_event_pattern.json").read_text(encoding="utf-8")
    event = (CASES / "complex_multi_key_event.json").read_text(encoding="utf-8")
    assert compile_pattern(pattern).matches(event)


def test_recorded_reasons_name_real_cases() -> None:
    assert set(AWS_REASONS) <= set(NAMES)


def test_escaped_characters_match_literally() -> None:
    # LocalStack's test_event_pattern_with_escape_characters, validated on AWS.
    event = r'{"detail": {"escape_star": "*", "escape_backslash": "\\"}}'
    pattern = r'{"detail": {"escape_star": ["*"], "escape_backslash": ["\\"]}}'
    assert compile_pattern(pattern).matches(event)
