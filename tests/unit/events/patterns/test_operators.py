"""The matcher's rules one by one: operators, event shapes, refusals, the Lambda dialect."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from nubis.events.patterns import (
    LAMBDA,
    InvalidEventPatternException,
    InvalidFilterPatternError,
    any_match,
    compile_pattern,
    lambda_filter_view,
)
from nubis.model.errors import InvalidParameterValueException


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return compile_pattern(pattern).matches(event)


def reason(pattern: Any) -> str:
    with pytest.raises(InvalidEventPatternException) as refused:
        compile_pattern(pattern)
    assert refused.value.status == 400
    assert refused.value.wire_type == "InvalidEventPatternException"
    return refused.value.reason


@pytest.mark.parametrize(
    ("values", "value", "expected"),
    [
        ([300], 300.0, True),  # numbers compare as numbers
        ([300], "300", False),  # ... never as strings
        ([1], True, False),  # booleans are not numbers
        ([True], 1, False),
        ([None], None, True),
        (["null"], None, False),
        ([""], "", True),
        (["10.0.0.1"], "10.0.0.1", True),
        (["2001:db8::1"], "2001:0db8:0:0:0:0:0:1", True),  # IP literals compare as addresses
        ([{"exactly": "a"}], "a", True),
        ([{"prefix": ""}], "anything", True),
        ([{"prefix": "ab"}], 12, False),
        ([{"suffix": ".PNG"}], "x.png", False),
        ([{"suffix": {"equals-ignore-case": ".PNG"}}], "x.png", True),
        ([{"prefix": {"equals-ignore-case": "eventb"}}], "EventBridge", True),
        ([{"equals-ignore-case": "alice"}], "ALICE", True),
        ([{"equals-ignore-case": "1"}], 1, False),
        ([{"wildcard": "*"}], "", True),  # a star matches the empty run
        ([{"wildcard": ""}], "", True),
        ([{"wildcard": "a\\*b"}], "a*b", True),
        ([{"wildcard": "a\\*b"}], "axb", False),
        ([{"wildcard": "a\\\\b"}], "a\\b", True),
        ([{"wildcard": "*.png"}], "dir/x.png", True),
        ([{"wildcard": "a*"}], 1, False),
        ([{"anything-but": "x"}], None, True),  # null is anything but "x"
        ([{"anything-but": "x"}], 5, True),
        ([{"anything-but": 5}], 5.0, False),
        ([{"anything-but": 5}], "5", True),
        ([{"anything-but": {"prefix": "us-"}}], "eu-west-1", True),
        ([{"anything-but": {"prefix": "us-"}}], "us-east-1", False),
        ([{"anything-but": {"suffix": [".png", ".jpg"]}}], "a.jpg", False),
        ([{"anything-but": {"equals-ignore-case": ["A", "b"]}}], "B", False),
        ([{"anything-but": {"wildcard": "*/lib/*"}}], "/usr/lib/x", False),
        ([{"anything-but": {"wildcard": "*/lib/*"}}], "/usr/bin/x", True),
        ([{"numeric": [">", 0, "<=", 5]}], 5, True),
        ([{"numeric": [">", 0, "<=", 5]}], 0, False),
        ([{"numeric": ["=", 3.018e2]}], 301.8, True),
        ([{"numeric": ["<", 10]}], "9", False),
        ([{"numeric": [">=", -1]}], None, False),
        ([{"cidr": "10.0.0.0/24"}], "10.0.0.255", True),
        ([{"cidr": "10.0.0.0/24"}], "10.0.1.0", False),
        ([{"cidr": "10.0.0.5/24"}], "10.0.0.4", False),  # event-ruler's range starts as written
        ([{"cidr": "2001:db8::/32"}], "2001:db8:ffff::1", True),
        ([{"cidr": "10.0.0.0/8"}], "::ffff:10.0.0.1", False),
        ([{"exists": True}], None, True),  # a null leaf exists
    ],
)
def test_value_operators(values: list[Any], value: Any, expected: bool) -> None:
    assert matches({"f": values}, {"f": value}) is expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"f": []}, False),  # an empty array is no leaf
        ({"f": {}}, False),  # nor is an empty object
        ({"f": {"g": 1}}, False),  # exists works on leaves only
        ({"f": [[1]]}, True),  # nested arrays flatten
        ({"f": 0}, True),
    ],
)
def test_exists_is_about_leaves(event: dict[str, Any], expected: bool) -> None:
    assert matches({"f": [{"exists": True}]}, event) is expected
    assert matches({"f": [{"exists": False}]}, event) is not expected


def test_event_arrays_match_when_any_element_does() -> None:
    assert matches({"f": ["b"]}, {"f": ["a", "b"]})
    assert matches({"f": [{"anything-but": "a"}]}, {"f": ["a", "b"]})
    assert not matches({"f": [{"anything-but": "a"}]}, {"f": ["a"]})


def test_fields_in_one_array_must_come_from_one_element() -> None:
    event = {"a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]}
    assert matches({"a": {"b": [1], "c": [2]}}, event)
    assert matches({"a": {"b": [3], "c": [4]}}, event)
    assert not matches({"a": {"b": [1], "c": [4]}}, event)
    # Different arrays do not constrain each other.
    event2 = {"a": [{"b": 1}, {"b": 3}], "x": [{"c": 4}, {"c": 2}]}
    assert matches({"a": {"b": [1]}, "x": {"c": [4]}}, event2)


def test_dotted_keys_are_paths_on_both_sides() -> None:
    assert matches({"a.b": [1]}, {"a": {"b": 1}})
    assert matches({"a": {"b": [1]}}, {"a.b": 1})
    assert not matches({"a": {"b": [1]}}, {"a": {"c": 1}})


def test_or_forks_the_and() -> None:
    pattern = {
        "source": ["s"],
        "$or": [{"a": [1]}, {"b": [2], "$or": [{"c": [3]}, {"d": [4]}]}],
    }
    assert matches(pattern, {"source": "s", "a": 1})
    assert matches(pattern, {"source": "s", "b": 2, "d": 4})
    assert not matches(pattern, {"source": "s", "b": 2})
    assert not matches(pattern, {"source": "t", "a": 1})
    assert matches({"detail": {"$or": [{"x": [1]}, {"y": [2]}]}}, {"detail": {"y": 2}})


MIXED = (
    "Inside anything but list, either all values are number or string, mixed type is not supported"
)
AB_NULL = "Inside anything but list, start|null|boolean is not supported."
AB_SINGLE = "Value of anything-but must be an array or single string/number value."
EXPECTING = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
TOO_MANY = "Too many elements in numeric expression"
EIC = "equals-ignore-case match pattern must be a string"
RESERVED = "prefix is Ruler reserved fieldName which cannot be used inside $or."


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[1]", "Filter is not an object"),
        ("{}", "Empty objects are not allowed"),
        ('{"a": {}}', "Empty objects are not allowed"),
        ('{"a": [[1]]}', "Match value must be String, number, true, false, or null"),
        ('{"a": [{}]}', "Match expression name not found"),
        ('{"a": [{"prefix": "x", "suffix": "y"}]}', "Only one key allowed in match expression"),
        ('{"a": [{"exactly": 1}]}', "exact match pattern must be a string"),
        ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
        ('{"a": [{"prefix": {"foo": "x"}}]}', "Unsupported prefix pattern: foo"),
        ('{"a": [{"suffix": {}}]}', "Suffix expression name not found"),
        ('{"a": [{"prefix": {"equals-ignore-case": 1}}]}', EIC),
        ('{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
        ('{"a": [{"numeric": [5]}]}', "Invalid member in numeric match: 5"),
        ('{"a": [{"numeric": ["==", 5]}]}', "Unrecognized numeric range operator: =="),
        ('{"a": [{"numeric": ["=", "5"]}]}', "Value of equals must be numeric"),
        ('{"a": [{"numeric": ["=", 5, "<", 6]}]}', "Too many elements in numeric expression"),
        ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "Too many elements in numeric expression"),
        ('{"a": [{"numeric": [">", 0, 5]}]}', "Bad value in numeric range: 5"),
        ('{"a": [{"numeric": [">", 0, "<", 9, 1]}]}', "Too many terms in numeric range expression"),
        ('{"a": [{"numeric": [">", 5, "<", 5]}]}', "Bottom must be less than top"),
        ('{"a": [{"numeric": [">", 0], "x": 1}]}', "Too many elements in numeric expression"),
        ('{"a": [{"anything-but": [1, "a"]}]}', MIXED),
        ('{"a": [{"anything-but": []}]}', MIXED),
        ('{"a": [{"anything-but": [true]}]}', AB_NULL),
        ('{"a": [{"anything-but": true}]}', AB_SINGLE),
        ('{"a": [{"anything-but": {}}]}', "Anything-But expression name not found"),
        ('{"a": [{"anything-but": {"numeric": [">", 1]}}]}', 
         "Unsupported anything-but pattern: numeric"),
        ('{"a": [{"anything-but": {"suffix": [""]}}]}', "Null prefix/suffix not allowed"),
        ('{"a": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}', TOO_MANY),
        ('{"a": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2"),
        ('{"a": [{"wildcard": "é**"}]}', "Consecutive wildcard characters at pos 3"),
        ('{"a": [{"cidr": "10.0.0.0/"}]}', "Malformed CIDR, one '/' required"),
        ('{"a": [{"cidr": "10.0.0.0/-1"}]}', "Malformed CIDR, mask bits must not be negative"),
        ('{"a": [{"cidr": "10.0.0.0/32"}]}', "IPv4 mask bits must be < 32"),
        ('{"a": [{"cidr": "::/128"}]}', "IPv6 mask bits must be < 128"),
        ('{"a": [{"cidr": "999.0.0.0/8"}]}', "Invalid IP address: 999.0.0.0"),
        ('{"$or": {"a": [1]}}', "It must be an Array followed with $or."),
        ('{"$or": [{"a": [1]}]}', "There must have at least 2 Objects in $or relationship."),
        ('{"$or": [{"a": [1]}, [1]]}', "Only JSON object is allowed in array of $or relationship."),
        ('{"$or": [{"a": [1]}, {"prefix": [1]}]}', RESERVED),
        ("this is not json", f"Unrecognized token 'this': {EXPECTING}"),
        ('{"a": [NaN]}', f"Unrecognized token 'NaN': {EXPECTING}"),
    ],
)  # fmt: skip
def test_refusals_name_event_rulers_reason(pattern: str, expected: str) -> None:
    assert reason(pattern) == expected


def test_refusal_message_is_eventbridges() -> None:
    with pytest.raises(InvalidEventPatternException) as refused:
        compile_pattern('{"a": 1}')
    assert refused.value.message == (
        'Event pattern is not valid. Reason: "a" must be an object or an array'
    )


@pytest.mark.parametrize(
    "values",
    [
        [{"wildcard": "a*"}],
        [{"cidr": "10.0.0.0/8"}],
        [{"anything-but": {"prefix": "a"}}],
        [{"anything-but": {"suffix": "a"}}],
        [{"anything-but": {"equals-ignore-case": "a"}}],
        [{"anything-but": {"wildcard": "a*"}}],
    ],
)
def test_lambda_dialect_refuses_what_lambda_filtering_lacks(values: list[Any]) -> None:
    compile_pattern({"f": values})  # EventBridge takes it
    with pytest.raises(InvalidFilterPatternError) as refused:
        compile_pattern({"f": values}, dialect=LAMBDA)
    assert isinstance(refused.value, InvalidParameterValueException)
    assert refused.value.message == "Invalid filter pattern definition."
    assert refused.value.reason


def test_lambda_dialect_takes_lambdas_operators() -> None:
    pattern = {
        "body": {
            "a": [None, "", "x", {"equals-ignore-case": "Y"}, {"prefix": "p"}],
            "b": [{"prefix": {"equals-ignore-case": "P"}}, {"suffix": ".png"}],
            "c": [{"anything-but": ["z"]}, {"numeric": [">", 1, "<=", 5]}],
            "d": [{"exists": False}],
        },
        "$or": [{"x": [1]}, {"y": [{"exists": True}]}],
    }
    compiled = compile_pattern(json.dumps(pattern), dialect=LAMBDA)
    record = {"body": {"a": "y", "b": "Pre", "c": 3}, "y": 0}
    assert compiled.matches(record)


def test_lambda_view_parses_a_json_sqs_body_only() -> None:
    on_json = compile_pattern({"body": {"code": ["BBBB"]}}, dialect=LAMBDA)
    on_text = compile_pattern({"body": ["BBBB"]}, dialect=LAMBDA)
    json_record = {"messageId": "1", "body": '{"code": "BBBB"}'}
    text_record = {"messageId": "2", "body": "BBBB"}
    assert on_json.matches(lambda_filter_view(json_record, "sqs"))
    assert not on_text.matches(lambda_filter_view(json_record, "sqs"))
    assert on_text.matches(lambda_filter_view(text_record, "sqs"))
    assert not on_json.matches(lambda_filter_view(text_record, "sqs"))
    assert json_record["body"] == '{"code": "BBBB"}'  # the record itself is untouched


def test_lambda_view_decodes_kinesis_data() -> None:
    data = base64.b64encode(b'{"temperature": 31}').decode()
    pattern = compile_pattern({"data": {"temperature": [{"numeric": [">", 30]}]}}, dialect=LAMBDA)
    assert pattern.matches(lambda_filter_view({"data": data}, "kinesis"))
    assert not pattern.matches(lambda_filter_view({"data": "not base64!"}, "kinesis"))
    assert lambda_filter_view({"dynamodb": {"Keys": {}}}, "dynamodb") == {"dynamodb": {"Keys": {}}}


def test_any_match_ors_the_filters() -> None:
    filters = [compile_pattern({"a": [1]}), compile_pattern({"b": [2]})]
    assert any_match(filters, {"b": 2})
    assert any_match(filters, '{"a": 1}')
    assert not any_match(filters, {"a": 2})
    assert any_match([], {"anything": 1})


def test_non_object_events_never_match() -> None:
    pattern = compile_pattern({"a": [{"exists": False}]})
    assert not pattern.matches("[1, 2]")
    assert pattern.matches("{}")
