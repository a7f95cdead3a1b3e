"""Extracted values (TestMetricFilter's `extractedValues`) of space-delimited patterns.

The page's earlier version (awsdocs/amazon-cloudwatch-logs-user-guide, "Using Metric
Filters to Extract Values from Space-Delimited Log Events") gives one example: named
fields as `$name`, the others by position from 1. Its listing shows `$request` as
"GET /products/index.html HTTP/1.0", which is not in its own log line; the value here is
the line's.
"""

from __future__ import annotations

from nubis.control.logs import compile_filter_pattern

LINE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'


def test_the_pages_example() -> None:
    pattern = compile_filter_pattern("[..., request=*.html*, status_code=4*,]")
    assert pattern.extract(LINE) == {
        "$status_code": "404",
        "$request": "GET /index.html HTTP/1.0",
        "$7": "1534",
        "$4": "10/Oct/2000:13:25:15 -0700",
        "$3": "frank",
        "$2": "-",
        "$1": "127.0.0.1",
    }


def test_no_match_is_none() -> None:
    pattern = compile_filter_pattern("[..., request=*.html*, status_code=5*,]")
    assert pattern.extract(LINE) is None


def test_every_field_named() -> None:
    pattern = compile_filter_pattern("[ip, user, username, timestamp, request, status, bytes]")
    assert pattern.extract(LINE) == {
        "$ip": "127.0.0.1",
        "$user": "-",
        "$username": "frank",
        "$timestamp": "10/Oct/2000:13:25:15 -0700",
        "$request": "GET /index.html HTTP/1.0",
        "$status": "404",
        "$bytes": "1534",
    }


def test_the_last_entry_takes_the_rest() -> None:
    pattern = compile_filter_pattern("[level=ERROR, message]")
    line = "ERROR 09/25/2014 12:00:02 Failed to process request"
    assert pattern.extract(line) == {
        "$level": "ERROR",
        "$message": "09/25/2014 12:00:02 Failed to process request",
    }


def test_two_ellipses() -> None:
    pattern = compile_filter_pattern("[first, ..., code = 5*, ..., last]")
    assert pattern.extract("a b 503 c d") == {
        "$first": "a",
        "$2": "b",
        "$code": "503",
        "$4": "c",
        "$last": "d",
    }
    assert pattern.extract("a b 404 c d") is None


def test_other_kinds_extract_nothing() -> None:
    for text, message in (
        ("ERROR", "[ERROR] x"),
        ("%x+%", "xx"),
        ('{ $.a = "b" }', '{"a": "b"}'),
        ("", "anything"),
    ):
        pattern = compile_filter_pattern(text)
        assert pattern.extract(message) == {}
        assert pattern.extract("\u0000 nothing alike") is None or text == ""
