"""The filter-pattern table: (pattern, message, expected), grouped by the source of each
expectation. Every example of AWS's current page is here with the result the page states;
examples of the page's earlier version (the archived awsdocs repository) where it does not
contradict the current one; and cases that pin down Nubis's documented choices where the
page says nothing (group source NUBIS, see docs/logs-filter-patterns.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PAGE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"
REGEX = PAGE + "#regex-expressions"
REGEX_TERMS = PAGE + "#matching-terms-regex"
UNSTRUCTURED = PAGE + "#matching-terms-unstructured-log-events"
JSON_PAGE = PAGE + "#matching-terms-json-log-events"
DELIMITED = PAGE + "#matching-term-space-delimited-log-events"
OLD = (
    "awsdocs/amazon-cloudwatch-logs-user-guide doc_source/FilterAndPatternSyntax.md "
    "(the page before 2023)"
)
OLD_TERMS = OLD + " #matching-terms-events"
OLD_OR = OLD + " #log-filters-or-pattern-matching"
OLD_JSON = OLD + " #metric-filter-term-matching"
OLD_DELIMITED = OLD + " #extract-log-event-values"
LIGHTSAIL = "https://docs.aws.amazon.com/lightsail/ (GetContainerLog filterPattern examples)"
NUBIS = "nubis: documented choice (docs/logs-filter-patterns.md)"


@dataclass(frozen=True)
class Case:
    pattern: str
    message: str
    expected: bool
    source: str


CASES: list[Case] = []


def group(source: str, pattern: str, messages: dict[str, bool]) -> None:
    for message, expected in messages.items():
        CASES.append(Case(pattern, message, expected, source))


def doc(value: object) -> str:
    return json.dumps(value)


# -- Supported regular expressions (regex) syntax: every operator's example -------------

group(REGEX, "%^[hc]at%", {"hat trick": True, "cat": True, "that": False, "a cat": False})
group(REGEX, "%[hc]at$%", {"that": True, "cat": True, "hats": False})
group(REGEX, "%colou?r%", {"color": True, "colour": True, "colouur": False})
group(REGEX, "%[abc]%", {"a": True, "c": True, "xyz": False})
group(REGEX, "%[a-z]%", {"Q7z": True, "Q7": False})
group(REGEX, "%[abcx-z]%", {"y": True, "b": True, "d": False})
group(REGEX, "%a{3,5}%", {"aaa": True, "aaaa": True, "aaaaa": True, "aa": False})
group(REGEX, "%a{3, 5}%", {"aaa": True, "aa": False})  # the page writes `{m, n}`
group(REGEX, "%a{3,}%", {"aaaa": True, "aa": False})  # "Either m or n can be omitted"
group(REGEX, "%xa{,2}b%", {"xb": True, "xaab": True, "xaaab": False})
group(REGEX, "%gra|ey%", {"gray": True, "grey": True, "gry": False})
group(
    REGEX,
    "%^starting|^initializing|^shutting down%",
    {
        "starting server": True,
        "initializing cache": True,
        "shutting down": True,
        "skipping initializing cache": False,
    },
)
group(REGEX, "%abcc|ab[^c]$%", {"abcc and more": True, "aba": True, "aac": False})
group(
    REGEX,
    r"%\[.\]%",
    {"[a]": True, "[b]": True, "[7]": True, "[@]": True, "[]]": True, "[ ]": True, "[]": False},
)
group(REGEX, r"%10\.10\.0\.1%", {"10.10.0.1": True, "10010,051": False})
group(REGEX, "%10.10.0.1%", {"10010,051": True})  # the page's warning: `.` unescaped
group(REGEX, "%ab*c%", {"ac": True, "abc": True, "abbbc": True, "adc": False})
group(REGEX, "%ab[0-9]*%", {"ab": True, "ab0": True, "ab129": True, "a b": False})
group(REGEX, "%ab+c%", {"abc": True, "abbc": True, "abbbc": True, "ac": False})
group(
    REGEX,
    "%.at%",
    {"hat": True, "cat": True, "bat": True, "4at": True, "#at": True, " at": True, "at": False},
)
group(REGEX, r"%\d%", {"a1": True, "abc": False, "\u0663": False})  # [0-9]: ASCII only
group(REGEX, r"%\D%", {"123": False, "12a": True})
group(REGEX, r"%\s%", {"a b": True, "a\tb": True, "a\nb": True, "ab": False})
group(REGEX, r"%\S%", {"   ": False, " a ": True})
group(REGEX, r"%\w%", {"_": True, "Z": True, "!!": False})
group(REGEX, r"%\W%", {"abc_9": False, "a-b": True})
group(REGEX, r"%\x3A%", {"key:value": True, "key=value": False})
group(REGEX, r"%\x28%", {"f(x)": True, "fx": False})

# -- Using filter patterns to match terms with a regular expression (regex) -------------

group(
    REGEX_TERMS,
    "%AUTHORIZED%",
    {
        "[ERROR 401] UNAUTHORIZED REQUEST": True,
        "[SUCCESS 200] AUTHORIZED REQUEST": True,
        "[ERROR 400] BAD REQUEST": False,
    },
)

# -- Using filter patterns to match terms in unstructured log events --------------------

E400 = "[ERROR 400] BAD REQUEST"
E401 = "[ERROR 401] UNAUTHORIZED REQUEST"
E419 = "[ERROR 419] MISSING ARGUMENTS"
E420 = "[ERROR 420] INVALID ARGUMENTS"
E500 = "[ERROR 500] INTERNAL SERVER ERROR"
INFO200 = "[INFO 200] SUCCESSFUL REQUEST"
SUCCESS = "[SUCCESS 200] AUTHORIZED REQUEST"
INFO_FAILED = "[INFO] REQUEST FAILED"
WARN_UNAUTH = "[WARN] UNAUTHORIZED REQUEST"
DEBUG = "[DEBUG 500] DEBUGGING INTERNAL INVALID"

group(
    UNSTRUCTURED,
    "ERROR",
    {E400: True, E401: True, E419: True, E420: True, E500: True, INFO200: False},
)
group(UNSTRUCTURED, "ERROR", {SUCCESS: False, WARN_UNAUTH: False, DEBUG: False})
group(UNSTRUCTURED, "ERROR ARGUMENTS", {E419: True, E420: True, E400: False, E401: False})
group(
    UNSTRUCTURED,
    "?ERROR ?ARGUMENTS",
    {E400: True, E401: True, E419: True, E420: True, INFO200: False},
)
group(UNSTRUCTURED, "?ERROR ?ARGUMENTS", {"[INFO] INVALID ARGUMENTS PROVIDED": True})
group(
    UNSTRUCTURED,
    "?ERROR ?ARGUMENTS REQUEST",  # the `?` terms are ignored beside a plain term
    {INFO_FAILED: True, WARN_UNAUTH: True, "[ERROR] 400 BAD REQUEST": True, E419: False},
)
group(UNSTRUCTURED, '"INTERNAL SERVER ERROR"', {E500: True, DEBUG: False})
group(UNSTRUCTURED, '"INTERNAL SERVER ERROR"', {"SERVER ERROR INTERNAL": False})
group(UNSTRUCTURED, "ERROR -ARGUMENTS", {E400: True, E401: True, E419: False, E420: False})
group(UNSTRUCTURED, '" "', {E400: True, "x": True, "": True, '{"a": 1}': True})

# -- the same section, earlier version ---------------------------------------------------

FATAL = "[ERROR] A fatal exception has occurred"
EXITING = "Exiting with ERRORCODE: -1"
group(OLD_TERMS, "", {FATAL: True, EXITING: True, "": True})
group(OLD_TERMS, "ERROR", {FATAL: True, EXITING: True})
group(OLD_TERMS, "ERROR -Exiting", {FATAL: True, EXITING: False})
group(
    OLD_TERMS,
    "ERROR Exception",
    {"[ERROR] Caught IllegalArgumentException": True, "[ERROR] Unhandled Exception": True},
)
group(
    OLD_TERMS,
    "Failed to process the request",
    {
        "[WARN] Failed to process the request": True,
        "[ERROR] Unable to continue: Failed to process the request": True,
        "[WARN] Failed to process": False,
    },
)
BOTH, ERR, WARN = "ERROR WARN message", "ERROR message", "WARN message"
group(OLD_OR, "ERROR", {BOTH: True, ERR: True, WARN: False})
group(OLD_OR, "?ERROR ?WARN", {BOTH: True, ERR: True, WARN: True, "INFO message": False})
group(OLD_OR, "ERROR WARN", {BOTH: True, ERR: False, WARN: False})
group(OLD_OR, "ERROR -WARN", {BOTH: False, ERR: True, WARN: False})
group(LIGHTSAIL, "-ERROR", {"all good": True, "ERROR here": False})
group(LIGHTSAIL, "?ERROR ?Exception", {"an Exception": True, "ERROR": True, "fine": False})
group(NUBIS, "ERROR", {"error: lower case": False, "NotFoundError": False})  # case-sensitive
group(NUBIS, '?"clean up" ?xyz', {"map clean up": True, "xyz": True, "map is cleaned up": False})
group(NUBIS, '"ERROR][grpc"', {"2025-03-28 [ERROR][grpc] failed": True, "[ERROR] [grpc]": False})
group(NUBIS, r'"say \"hi\""', {'they say "hi" twice': True, "say hi": False})
group(NUBIS, '-"clean up"', {"cleaned up": True, "a clean up": False})

# -- Using filter patterns to match terms in JSON log events ----------------------------

EVENT = doc(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "cluster.name": "c",
        "ThisFlag": True,
    }
)
for pattern in (
    '{ $.eventType = "UpdateTrail" }',
    "{ $.sourceIPAddress != 123.123.* }",
    '{ $.arrayKey[0] = "value" }',
    "{ $.eventType = %Trail% }",
    "{ $.arrayKey[*] = %val.{2}% }",
    r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }",
    "{ $.['cluster.name'] = \"c\" }",
    "{ $.SomeObject IS NULL }",
    "{ $.SomeOtherObject NOT EXISTS }",
):
    group(JSON_PAGE, pattern, {EVENT: True})
for pattern in (
    "{ $.objectList[1].id = 2 }",
    "{ $.ThisFlag IS TRUE }",
    "{ $.eventType = UpdateTrail }",
):
    group(OLD_JSON, pattern, {EVENT: True})
for pattern in (
    '{ $.eventType = "Update" }',
    "{ $.sourceIPAddress != 111.111.* }",
    '{ $.arrayKey[1] = "value" }',
    '{ $.arrayKey = "value" }',  # an array is not a value node
    "{ $.objectList[0].id = 2 }",
    "{ $.objectList[5].id = 2 }",
    "{ $.SomeObject NOT EXISTS }",
    "{ $.eventType IS NULL }",
    "{ $.eventType NOT EXISTS }",
    '{ $.cluster.name = "c" }',  # `.` walks into objects; the key needs brackets
    "{ $.ThisFlag IS FALSE }",
    "{ $.SomeObject IS TRUE }",
    "{ $.arrayKey[*] = %^x% }",
):
    group(JSON_PAGE, pattern, {EVENT: False})
group(NUBIS, '{ $.arrayKey[*] = "another value" }', {EVENT: True})
group(NUBIS, '{ $["cluster.name"] = c }', {EVENT: True})
group(NUBIS, "{ $.eventType != %Trail% }", {EVENT: False})

NUMBERS_HIGH = doc(
    {
        "bandwidth": 80,
        "latency": 40,
        "refreshRate": 60,
        "responseTime": 5,
        "errorCode": 400,
        "number": [1000, 0.002],
    }
)
NUMBERS_LOW = doc(
    {
        "bandwidth": 75,
        "latency": 50,
        "refreshRate": 59.9,
        "responseTime": 5.01,
        "errorCode": 500,
        "number": [0.001],
    }
)
for pattern in (
    "{ $.bandwidth > 75 }",
    "{ $.latency < 50 }",
    "{ $.refreshRate >= 60 }",
    "{ $.responseTime <= 5 }",
    "{ $.errorCode = 400}",
    "{ $.errorCode != 500 }",
    "{ $.number[0] = 1e+3 }",
    "{ $.number[0] != 1e-3 }",
):
    group(JSON_PAGE, pattern, {NUMBERS_HIGH: True, NUMBERS_LOW: False})

OLD_NUMBERS = doc(
    {
        "latency": 1500,
        "numbers": [0.005],
        "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}],
        "errorCode": 400,
    }
)
for pattern in (
    "{ $.latency >= 500 }",
    "{ $.numbers[0] < 10e3 }",
    "{ $.numbers[0] < 10e-3 }",
    "{ $.processes[4].averageRuntime <= 55.5 }",
    "{ $.errorCode = 400 }",
    "{ $.errorCode != 500 }",
    "{ $.latency > +1000 }",
):
    group(OLD_JSON, pattern, {OLD_NUMBERS: True})
group(OLD_JSON, "{ $.latency = * }", {OLD_NUMBERS: True, doc({"other": 1}): False})
group(NUBIS, "{ $.errorCode = 400 }", {doc({"errorCode": "400"}): False})  # numbers only
group(NUBIS, "{ $.errorCode = 4* }", {doc({"errorCode": 404}): True, OLD_NUMBERS: True})
group(NUBIS, "{ $.latency > 5 }", {doc({"latency": True}): False, doc({"latency": None}): False})

COMPOUND = doc(
    {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [
            {"id": 2, "email": "John.Doe@example.com"},
            {"id": 3, "email": "Jane.Doe@example.com"},
        ],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
)
group(
    JSON_PAGE,
    '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
    {COMPOUND: True},
)
group(
    JSON_PAGE,
    '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch"'
    ' && $.actions[2] = "nonmatch" }',
    {COMPOUND: True},
)
group(
    JSON_PAGE,
    '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch")'
    ' && $.actions[2] = "nonmatch" }',
    {COMPOUND: False},
)
group(
    JSON_PAGE,
    '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
    {COMPOUND: False},
)
group(
    OLD_JSON,
    '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch'
    " && $.actions[2] = nomatch }",
    {COMPOUND: True},
)
group(
    OLD_JSON,
    '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch)'
    " && $.actions[2] = nomatch }",
    {COMPOUND: False},
)
group(NUBIS, "{ $.coordinates[0][1] = 1 && $.coordinates[2][2] = 9 }", {COMPOUND: True})
group(NUBIS, "{ $.users[*].id = 3 }", {COMPOUND: True})
group(NUBIS, '{ $.actions[*] = "POST" }', {COMPOUND: False})
USERS = doc({"users": [1, 2, 3]})
group(OLD_JSON, "{ $.users = 1 }", {USERS: False})  # JSON special considerations
group(OLD_JSON, "{ $.users != 1 }", {USERS: False})
FOO_BAR, FOO_BAZ = doc({"foo": "bar"}), doc({"foo": "baz"})
group(OLD_OR, "{$.foo = bar}", {FOO_BAR: True, FOO_BAZ: False})
group(OLD_OR, "{$.foo = baz }", {FOO_BAR: False, FOO_BAZ: True})
group(OLD_OR, "{$.foo = bar || $.foo = baz }", {FOO_BAR: True, FOO_BAZ: True})
group(
    OLD_JSON,
    "{ $.eventName = *Event }",
    {doc({"eventName": "PutEvent"}): True, doc({"eventName": "GetEvent"}): True},
)
group(OLD_JSON, "{ $.eventName = *Event }", {doc({"eventName": "EventId"}): False})
group(
    OLD_JSON,
    "{ $.eventName = Event* }",
    {doc({"eventName": "EventId"}): True, doc({"eventName": "EventName"}): True},
)
group(OLD_JSON, "{ $.eventName = Event* }", {doc({"eventName": "PutEvent"}): False})
group(
    OLD_JSON,
    "{ $.eventName = Ev*ent }",  # an inner `*` is literal
    {doc({"eventName": "Ev*ent"}): True, doc({"eventName": "Event"}): False},
)
group(NUBIS, '{ $.level = "ERROR" }', {"not json": False, '{"level": "ERROR"': False})
group(NUBIS, '{ $.level = "ERROR" }', {doc([{"level": "ERROR"}]): False})
group(NUBIS, '{ $.level = "ERROR" }', {doc({"level": "ERROR", "x": 1}): True})

# -- Using filter patterns to match terms in space-delimited log events -----------------

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" {} 1534'
A404, A410, A200 = APACHE.format(404), APACHE.format(410), APACHE.format(200)
group(
    DELIMITED,
    r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*,"
    " bytes]",
    {A404: True, A200: False, A404.replace("127.0.0.1", "10.0.0.1"): False},
)
group(DELIMITED, "[..., request =*.html*, status_code = 4*, bytes]", {A404: True, A200: False})
group(DELIMITED, "[..., request =*.jpg*, status_code = 4*, bytes]", {A404: False})
group(
    DELIMITED,
    "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410,"
    " bytes]",
    {A404: True, A410: True, A200: False},
)
W_GET = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
W_POST = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
W_WARN = "WARNING 09/25/2014 12:00:02 Invalid user request"
W_ERROR = "ERROR 09/25/2014 12:00:02 Failed to process request"
group(DELIMITED, "[w1=ERROR, w2]", {W_ERROR: True, W_WARN: False, W_GET: False})
group(
    DELIMITED,
    "[w1=ERROR || w1=WARNING, w2]",
    {W_ERROR: True, W_WARN: True, W_GET: False, W_POST: False},
)
group(
    DELIMITED,
    "[w1!=ERROR && w1!=WARNING, w2]",
    {W_ERROR: False, W_WARN: False, W_GET: True, W_POST: True},
)
group(
    DELIMITED,
    "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
    {W_GET: True, W_POST: False, W_WARN: False},
)
group(
    DELIMITED,
    "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]",
    {W_POST: True, W_GET: False},
)

OLD_200 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'
OLD_500 = '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324'
OLD_200B = '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355'
OLD_404 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
OLD_403 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 403 1534'
OLD_LINES = {OLD_200: True, OLD_500: True, OLD_200B: True}
group(OLD_DELIMITED, "[ip, user, username, timestamp, request, status_code, bytes]", OLD_LINES)
group(OLD_DELIMITED, "[..., status_code, bytes]", OLD_LINES)
group(OLD_DELIMITED, "[ip, user, ..., status_code, bytes]", OLD_LINES)
group(OLD_DELIMITED, "[ip, user, ...]", OLD_LINES)
group(
    OLD_DELIMITED, "[ip, user, username, timestamp, request, status_code, bytes > 1000]", OLD_LINES
)
group(
    OLD_DELIMITED,
    "[ip, user, username, timestamp, request, status_code = 200, bytes]",
    {OLD_200: True, OLD_500: False, OLD_200B: True},
)
group(
    OLD_DELIMITED,
    "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
    {OLD_200: False, OLD_404: True},
)
group(
    OLD_DELIMITED,
    "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
    {OLD_404: True, OLD_200: False},
)
group(
    OLD_DELIMITED,
    "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]",
    {OLD_404: True, OLD_403: True, OLD_200: False},
)
group(
    OLD_DELIMITED,
    "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
    {OLD_404: True, OLD_403: False},
)
group(OLD_DELIMITED, "[..., request=*.html*, status_code=4*,]", {OLD_404: True, OLD_200: False})
group(
    NUBIS,
    '[ip, user, username, timestamp, request = "GET /index.html HTTP/1.0", status_code, bytes]',
    {OLD_404: True, OLD_200: False},
)
group(NUBIS, "[a, b, c]", {"x y": False, "x y z": True, "x  y   z": True, "x y z w": True})
group(NUBIS, '[a, b = "", c]', {'x "" z': True, 'x "y" z': False, "x [] z": True})
group(NUBIS, "[a, b, c = w]", {"x y z w": False, "x y w": True})
group(NUBIS, '[a, b, c = "z w"]', {"x y z w": True})  # the last entry takes the rest
group(NUBIS, "[..., last = w]", {"w": True, "x y z w": True, "x y w z": False})
group(NUBIS, "[first = x, ...]", {"x": True, "x y z": True, "y x": False})
group(NUBIS, "[a, ..., b = 5, ..., c]", {"q 1 5 2 r": True, "q 5 r": True, "q 1 2 r": False})
group(NUBIS, "[code > 400, rest]", {"404 x": True, "abc x": False, "400 x": False})
group(NUBIS, "[code = 200, rest]", {"200.0 x": True, "200 x": True, "2000 x": False})
group(NUBIS, "[code != 200, rest]", {"abc x": True, "200 x": False})
