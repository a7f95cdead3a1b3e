"""EventBridge event patterns: compile a pattern once, match events against it.

    compile_pattern(pattern, dialect=EVENTBRIDGE) -> Pattern   (raises on an invalid one)
    Pattern.matches(event) -> bool
    any_match(patterns, event) -> bool                          (Lambda's up-to-5 filters)
    lambda_filter_view(record, source) -> dict                  (SQS body / Kinesis data as JSON)

Semantics are those of AWS's event-ruler, which EventBridge runs: both the pattern and the
event are flattened to dotted paths (so `{"a.b": [..]}` and `{"a": {"b": [..]}}` are one
path, in the pattern and in the event); a path's list of values is an OR; the paths of a
pattern are an AND; `$or` forks the AND into branches. An event array contributes each of
its elements to the same path, and fields matched inside objects of one array must come
from the same element (event-ruler's array consistency). Empty arrays and empty objects in
an event contribute nothing, so `exists` is true only for a leaf (null included).

Errors: an invalid pattern raises `InvalidEventPatternException` (EventBridge's wire name,
400) whose message is "Event pattern is not valid. Reason: <event-ruler's reason>"; in the
Lambda dialect `InvalidFilterPatternError`, an `InvalidParameterValueException` with
Lambda's message, the reason kept on `.reason`. The module does no I/O and keeps no state:
a compiled `Pattern` is immutable and safe to share between threads.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from nubis.events.pattern_values import (
    AbsentCheck,
    Matcher,
    PatternError,
    compile_match_list,
)
from nubis.model.errors import InvalidParameterValueException, NubisError

Dialect = Literal["eventbridge", "lambda"]
EVENTBRIDGE: Final[Dialect] = "eventbridge"
LAMBDA: Final[Dialect] = "lambda"

REASON_PREFIX: Final = "Event pattern is not valid. Reason: "
LAMBDA_INVALID_FILTER: Final = "Invalid filter pattern definition."
OR_KEY: Final = "$or"

# event-ruler refuses these as field names inside `$or` (Constants.java).
_RESERVED_IN_OR: Final = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
        "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
        "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    }
)  # fmt: skip


class InvalidEventPatternException(NubisError):
    """EventBridge's error for a pattern it refuses (PutRule, TestEventPattern)."""

    wire_type: ClassVar[str] = "InvalidEventPatternException"
    status: ClassVar[int] = 400

    def __init__(self, reason: str) -> None:
        super().__init__(REASON_PREFIX + reason)
        self.reason = reason


class InvalidFilterPatternError(InvalidParameterValueException):
    """Lambda's error for a FilterCriteria pattern it refuses (Create/UpdateEventSourceMapping)."""

    def __init__(self, reason: str) -> None:
        super().__init__(LAMBDA_INVALID_FILTER)
        self.reason = reason


# --- the event side -------------------------------------------------------------------

Membership = tuple[tuple[int, int], ...]  # (array id, element index) from the root down


@dataclass(frozen=True, slots=True)
class Leaf:
    path: str
    value: Any
    membership: Membership


def flatten_event(
    event: Mapping[str, Any], wanted: frozenset[str] | None = None
) -> dict[str, list[Leaf]]:
    """The event's leaves by dotted path; each leaf knows which array elements hold it.

    With `wanted` (every dotted prefix of the paths a pattern reads) the walk skips the
    rest of the event: a large event costs what its matched part costs."""
    leaves: dict[str, list[Leaf]] = {}
    counter = [0]

    def walk(node: Any, path: str, membership: Membership) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                if wanted is None or child in wanted:
                    walk(value, child, membership)
        elif isinstance(node, list):
            counter[0] += 1
            array_id = counter[0]
            for index, element in enumerate(node):
                walk(element, path, (*membership, (array_id, index)))
        elif path:
            leaves.setdefault(path, []).append(Leaf(path, node, membership))

    walk(event, "", ())
    return leaves


def _prefixes(paths: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for path in paths:
        parts = path.split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(out)


def _consistent(a: Membership, b: Membership) -> bool:
    positions = dict(a)
    return all(positions.get(array_id, index) == index for array_id, index in b)


# --- the compiled pattern ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    matchers: tuple[Matcher, ...]
    absent_ok: bool  # an {"exists": false} among the values


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern: its `$or` branches, each an AND of fields."""

    branches: tuple[tuple[Field, ...], ...]
    dialect: Dialect = EVENTBRIDGE
    prefixes: frozenset[str] = frozenset()  # the dotted prefixes of the fields' paths

    def matches(self, event: Mapping[str, Any] | str) -> bool:
        """Whether the event (a parsed JSON object or its JSON text; ValueError if the
        text is not JSON) matches. An event that is not an object matches nothing."""
        if isinstance(event, str):
            event = json.loads(event)
        if not isinstance(event, Mapping):
            return False
        return self.matches_leaves(flatten_event(event, self.prefixes))

    def matches_leaves(self, leaves: Mapping[str, list[Leaf]]) -> bool:
        """The same on an event flattened once for several patterns (see any_match)."""
        return any(_branch_matches(branch, leaves) for branch in self.branches)


def _branch_matches(branch: Sequence[Field], leaves: Mapping[str, list[Leaf]]) -> bool:
    options: list[list[Leaf | None]] = []
    for field in branch:
        present = leaves.get(field.path, [])
        if not present:
            if not field.absent_ok:
                return False
            options.append([None])
            continue
        hits: list[Leaf | None] = [
            leaf for leaf in present if any(m(leaf.value) for m in field.matchers)
        ]
        if not hits:
            return False
        options.append(hits)
    options.sort(key=len)
    return _choose(options, 0, ())


def _choose(options: list[list[Leaf | None]], at: int, taken: Membership) -> bool:
    """Backtracking: one leaf per field, all from consistent array elements."""
    if at == len(options):
        return True
    for leaf in options[at]:
        if leaf is None:
            if _choose(options, at + 1, taken):
                return True
        elif _consistent(taken, leaf.membership):
            merged = taken + tuple(m for m in leaf.membership if m not in taken)
            if _choose(options, at + 1, merged):
                return True
    return False


# --- compiling ----------------------------------------------------------------------------


def compile_pattern(pattern: str | Mapping[str, Any], dialect: Dialect = EVENTBRIDGE) -> Pattern:
    """Compile a pattern (JSON text or parsed) or raise the dialect's typed error."""
    try:
        parsed = _parse(pattern) if isinstance(pattern, str) else pattern
        if not isinstance(parsed, Mapping):
            raise PatternError("Filter is not an object")
        branches = _compile_object(parsed, "", [{}], dialect, in_or=False)
    except PatternError as exc:
        if dialect == LAMBDA:
            raise InvalidFilterPatternError(exc.reason) from None
        raise InvalidEventPatternException(exc.reason) from None
    fields = tuple(tuple(b.values()) for b in branches)
    return Pattern(fields, dialect, _prefixes(f.path for b in fields for f in b))


def any_match(patterns: Iterable[Pattern], event: Mapping[str, Any] | str) -> bool:
    """Lambda's FilterCriteria: the filters are OR'd (an empty list lets everything in)."""
    compiled = list(patterns)
    if not compiled:
        return True
    if isinstance(event, str):
        event = json.loads(event)
    if not isinstance(event, Mapping):
        return False
    leaves = flatten_event(event, frozenset().union(*(p.prefixes for p in compiled)))
    return any(p.matches_leaves(leaves) for p in compiled)


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PatternError(_jackson_like(text, exc)) from None


def _refuse_constant(name: str) -> Any:
    raise PatternError(
        f"Unrecognized token '{name}': was expecting (JSON String, Number, Array, Object or "
        "token 'null', 'true' or 'false')"
    )


def _jackson_like(text: str, exc: json.JSONDecodeError) -> str:
    """Jackson's wording for the two usual mistakes: a bare word and a wrong quote."""
    rest = text[exc.pos :]
    word = rest.split(None, 1)[0] if rest.strip() else ""
    if word[:1].isalpha():
        token = "".join(c for c in word if c.isalnum() or c == "_")
        return (
            f"Unrecognized token '{token}': was expecting (JSON String, Number, Array, "
            "Object or token 'null', 'true' or 'false')"
        )
    if rest[:1]:
        char = rest[0]
        return f"Unexpected character ('{char}' (code {ord(char)})): {exc.msg}"
    return f"Unexpected end-of-input: {exc.msg}"


Branch = dict[str, Field]


def _compile_object(
    node: Mapping[str, Any], prefix: str, branches: list[Branch], dialect: Dialect, in_or: bool
) -> list[Branch]:
    if not node:
        raise PatternError("Empty objects are not allowed")
    for key, value in node.items():
        if key == OR_KEY:
            branches = _compile_or(value, prefix, branches, dialect)
            continue
        if in_or and key in _RESERVED_IN_OR:
            raise PatternError(
                f"{key} is Ruler reserved fieldName which cannot be used inside {OR_KEY}."
            )
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            branches = _compile_object(value, path, branches, dialect, in_or)
        elif isinstance(value, list):
            field = _compile_field(path, value, dialect)
            # A path given twice keeps the later values, as EventBridge's parser does.
            branches = [{**b, path: field} for b in branches]
        else:
            raise PatternError(f'"{key}" must be an object or an array')
    return branches


def _compile_or(value: Any, prefix: str, branches: list[Branch], dialect: Dialect) -> list[Branch]:
    if not isinstance(value, list):
        raise PatternError(f"It must be an Array followed with {OR_KEY}.")
    forked: list[Branch] = []
    for alternative in value:
        if not isinstance(alternative, Mapping):
            raise PatternError(f"Only JSON object is allowed in array of {OR_KEY} relationship.")
        forked.extend(_compile_object(alternative, prefix, list(branches), dialect, True))
    if len(value) < 2:
        raise PatternError(f"There must have at least 2 Objects in {OR_KEY} relationship.")
    return forked


def _compile_field(path: str, values: list[Any], dialect: Dialect) -> Field:
    matchers: list[Matcher] = []
    absent_ok = False
    for item in compile_match_list(values, lambda_dialect=dialect == LAMBDA):
        if isinstance(item, AbsentCheck):
            absent_ok = True
        else:
            matchers.append(item)
    return Field(path, tuple(matchers), absent_ok)


# --- Lambda's record views -----------------------------------------------------------------

_LAMBDA_PAYLOAD_KEYS: Final[Mapping[str, tuple[str, bool]]] = {
    # source: (the key holding the payload, whether it is base64)
    "sqs": ("body", False),
    "kinesis": ("data", True),
    "kafka": ("value", True),
    "mq": ("data", True),
}


def lambda_filter_view(record: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The record as Lambda's filters see it: the payload parsed when it is a JSON object.

    Lambda filters an SQS message's `body` (and the base64 `data` of Kinesis and Amazon MQ,
    `value` of Kafka) as JSON only when it is JSON: a pattern on `{"body": {...}}` never
    matches a plain-string body, and a plain-string pattern (`{"body": ["x"]}`) never
    matches a JSON body. Other sources (DynamoDB) are filtered as they are. The record is
    not changed; a shallow copy is returned.
    """
    view = dict(record)
    payload_key = _LAMBDA_PAYLOAD_KEYS.get(source)
    if payload_key is None:
        return view
    key, is_base64 = payload_key
    raw = view.get(key)
    if not isinstance(raw, str):
        return view
    text = raw
    if is_base64:
        try:
            text = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return view
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return view
    if isinstance(parsed, dict):
        view[key] = parsed
    return view


__all__ = [
    "EVENTBRIDGE",
    "LAMBDA",
    "InvalidEventPatternException",
    "InvalidFilterPatternError",
    "Pattern",
    "PatternError",
    "any_match",
    "compile_pattern",
    "flatten_event",
    "lambda_filter_view",
]
