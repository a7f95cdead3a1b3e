"""The values of one field of an event pattern: exact values and match expressions.

Each JSON value of a pattern field compiles to a `Matcher` (a predicate on one event leaf)
or to `ABSENT` (`{"exists": false}`, which the field-level matcher in
`nubis.events.patterns` handles). Validation follows AWS's event-ruler, reason for reason
and in the same order, so that the first problem of a pattern is the one EventBridge
names; `PatternError.reason` is that text.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final


class PatternError(ValueError):
    """Raised inside the compiler with event-ruler's reason; mapped to a dialect's error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the values of one field: exact values and match expressions -------------------------

Matcher = Callable[[Any], bool]


class AbsentCheck:
    """`{"exists": false}`: the field matches when the event has no leaf at its path."""


ABSENT: Final = AbsentCheck()
WILDCARD_MAX_COMPLEXITY: Final = 10  # see _wildcard_complexity


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number as a Decimal (a bool is no number here); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None


def _is_number(value: Any) -> bool:
    return to_decimal(value) is not None


def _text(value: Any) -> str:
    """How Jackson prints the token a reason names."""
    if isinstance(value, list):
        return "["
    if isinstance(value, Mapping):
        return "{"
    return json.dumps(value) if not isinstance(value, str) else value


def compile_match_list(values: list[Any], lambda_dialect: bool) -> list[Matcher | AbsentCheck]:
    out: list[Matcher | AbsentCheck] = []
    for value in values:
        if isinstance(value, Mapping):
            out.append(_match_expression(value, lambda_dialect))
        elif isinstance(value, str):
            out.append(_exact_string(value))
        elif isinstance(value, bool) or value is None:
            out.append(_identity(value))
        elif _is_number(value):
            out.append(_numeric_equals(to_decimal(value)))
        else:
            raise PatternError("Match value must be String, number, true, false, or null")
    if not out:
        raise PatternError("Empty arrays are not allowed")
    return out


def _identity(want: bool | None) -> Matcher:
    return lambda v: v is want


def _exact_string(want: str) -> Matcher:
    address = ip_of(want)
    if address is None:
        return lambda v: v == want
    return lambda v: v == want or (isinstance(v, str) and ip_of(v) == address)


def _numeric_equals(want: Decimal | None) -> Matcher:
    return lambda v: want is not None and to_decimal(v) == want


def _one_key(
    expression: Mapping[str, Any], reason: str = "Only one key allowed in match expression"
) -> None:
    if len(expression) > 1:
        raise PatternError(reason)


TOO_MANY_NUMERIC: Final = "Too many elements in numeric expression"


def _match_expression(expression: Mapping[str, Any], lambda_dialect: bool) -> Matcher | AbsentCheck:
    if not expression:
        raise PatternError("Match expression name not found")
    name, value = next(iter(expression.items()))
    if lambda_dialect and name in ("wildcard", "cidr"):
        raise PatternError(f"Unrecognized match type {name}")
    handler = _EXPRESSIONS.get(name)
    if handler is None:
        raise PatternError(f"Unrecognized match type {name}")
    result = handler(value, lambda_dialect)
    _one_key(
        expression,
        TOO_MANY_NUMERIC
        if name in ("numeric", "anything-but")
        else "Only one key allowed in match expression",
    )
    return result


def _exactly(value: Any, _: bool) -> Matcher:
    if not isinstance(value, str):
        raise PatternError("exact match pattern must be a string")
    return lambda v: v == value


def _ignore_case_inner(value: Mapping[str, Any], kind: str) -> str:
    if not value:
        raise PatternError(f"{kind.capitalize()} expression name not found")
    op, inner = next(iter(value.items()))
    if op != "equals-ignore-case":
        raise PatternError(f"Unsupported {kind} pattern: {op}")
    if not isinstance(inner, str):
        raise PatternError("equals-ignore-case match pattern must be a string")
    _one_key(value)
    return inner.lower()


def _prefix(value: Any, _: bool) -> Matcher:
    if isinstance(value, Mapping):
        folded = _ignore_case_inner(value, "prefix")
        return lambda v: isinstance(v, str) and v.lower().startswith(folded)
    if not isinstance(value, str):
        raise PatternError("prefix match pattern must be a string")
    return lambda v: isinstance(v, str) and v.startswith(value)


def _suffix(value: Any, _: bool) -> Matcher:
    if isinstance(value, Mapping):
        folded = _ignore_case_inner(value, "suffix")
        return lambda v: isinstance(v, str) and v.lower().endswith(folded)
    if not isinstance(value, str):
        raise PatternError("suffix match pattern must be a string")
    return lambda v: isinstance(v, str) and v.endswith(value)


def _equals_ignore_case(value: Any, _: bool) -> Matcher:
    if not isinstance(value, str):
        raise PatternError("equals-ignore-case match pattern must be a string")
    folded = value.lower()
    return lambda v: isinstance(v, str) and v.lower() == folded


def _exists(value: Any, _: bool) -> Matcher | AbsentCheck:
    if not isinstance(value, bool):
        raise PatternError("exists match pattern must be either true or false.")
    return (lambda v: True) if value else ABSENT


_COMPARE: Final[Mapping[str, Callable[[Decimal, Decimal], bool]]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _numeric(value: Any, _: bool) -> Matcher:
    if not isinstance(value, list):
        raise PatternError("Value of numeric must be an array.")
    terms = _numeric_terms(value)

    def match(v: Any) -> bool:
        number = to_decimal(v)
        return number is not None and all(_COMPARE[op](number, bound) for op, bound in terms)

    return match


def _numeric_value(values: list[Any], at: int, op: str) -> Decimal:
    number = to_decimal(values[at]) if at < len(values) else None
    if number is None:
        raise PatternError(f"Value of {'equals' if op == '=' else op} must be numeric")
    return number


def _numeric_terms(values: list[Any]) -> list[tuple[str, Decimal]]:
    """event-ruler's grammar: [= n] | [< n] | [<= n] | [>|>= n] | [>|>= n <|<= m]."""
    if not values or not isinstance(values[0], str):
        raise PatternError(
            f"Invalid member in numeric match: {_text(values[0]) if values else ']'}"
        )
    op = values[0]
    if op not in _COMPARE:
        raise PatternError(f"Unrecognized numeric range operator: {op}")
    bottom = _numeric_value(values, 1, op)
    if len(values) == 2:
        return [(op, bottom)]
    if op not in (">", ">="):
        raise PatternError(TOO_MANY_NUMERIC)
    top_op = values[2]
    if not isinstance(top_op, str):
        raise PatternError(f"Bad value in numeric range: {_text(top_op)}")
    if top_op not in ("<", "<="):
        raise PatternError(f"Bad numeric range operator: {top_op}")
    top = _numeric_value(values, 3, top_op)
    if len(values) > 4:
        raise PatternError("Too many terms in numeric range expression")
    if bottom >= top:
        raise PatternError("Bottom must be less than top")
    return [(op, bottom), (top_op, top)]


_AB_SINGLE: Final = "Value of anything-but must be an array or single string/number value."
_AB_TYPE_REASON: Final[Mapping[str, str]] = {
    "equals-ignore-case": (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "prefix": "prefix/suffix match pattern must be a string",
    "suffix": "prefix/suffix match pattern must be a string",
    "wildcard": "wildcard match pattern must be a string",
}


def _anything_but(value: Any, lambda_dialect: bool) -> Matcher:
    if isinstance(value, Mapping):
        if lambda_dialect:
            raise PatternError(f"Unsupported anything-but pattern: {next(iter(value), '')}")
        return _anything_but_of(value)
    if isinstance(value, list):
        return _anything_but_values(value)
    if isinstance(value, str) or _is_number(value):
        return _anything_but_values([value])
    raise PatternError(_AB_SINGLE)


def _anything_but_values(values: list[Any]) -> Matcher:
    strings: set[str] = set()
    numbers: set[Decimal] = set()
    for value in values:
        if isinstance(value, str):
            strings.add(value)
        elif (number := to_decimal(value)) is not None:
            numbers.add(number)
        else:
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
    if bool(strings) == bool(numbers):
        raise PatternError(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    if strings:
        return lambda v: not (isinstance(v, str) and v in strings)
    return lambda v: to_decimal(v) not in numbers


def _anything_but_of(expression: Mapping[str, Any]) -> Matcher:
    if not expression:
        raise PatternError("Anything-But expression name not found")
    op, inner = next(iter(expression.items()))
    if op not in _AB_TYPE_REASON:
        raise PatternError(f"Unsupported anything-but pattern: {op}")
    if not isinstance(inner, list | str) and not _is_number(inner):
        raise PatternError(_AB_SINGLE)
    texts = inner if isinstance(inner, list) else [inner]
    for text in texts:
        if not isinstance(text, str):
            raise PatternError(_AB_TYPE_REASON[op])
        if op in ("prefix", "suffix") and not text:
            raise PatternError("Null prefix/suffix not allowed")
    _one_key(expression, TOO_MANY_NUMERIC)
    test = _anything_but_test(op, texts)
    return lambda v: not (isinstance(v, str) and test(v))


def _anything_but_test(op: str, texts: list[str]) -> Callable[[str], bool]:
    if op == "prefix":
        return lambda v: any(v.startswith(t) for t in texts)
    if op == "suffix":
        return lambda v: any(v.endswith(t) for t in texts)
    if op == "equals-ignore-case":
        folded = {t.lower() for t in texts}
        return lambda v: v.lower() in folded
    regexes = [_wildcard_regex(_wildcard_tokens(t)) for t in texts]
    return lambda v: any(r.fullmatch(v) for r in regexes)


def _wildcard(value: Any, _: bool) -> Matcher:
    if not isinstance(value, str):
        raise PatternError("wildcard match pattern must be a string")
    tokens = _wildcard_tokens(value)
    if _wildcard_complexity(tokens) > WILDCARD_MAX_COMPLEXITY:
        raise PatternError(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character"
        )
    regex = _wildcard_regex(tokens)
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


STAR: Final = None  # a wildcard token; every other token is one literal character


def _wildcard_tokens(text: str) -> list[str | None]:
    """event-ruler's wildcard syntax: `*` any run, `\\*` a star, `\\\\` a backslash.

    Positions in the reasons are byte offsets in the UTF-8 text plus one (event-ruler
    parses the value with its opening quote)."""
    tokens: list[str | None] = []
    raw = text.encode()
    i = 0
    while i < len(raw):
        byte = raw[i : i + 1]
        if byte == b"*":
            if raw[i + 1 : i + 2] == b"*":
                raise PatternError(f"Consecutive wildcard characters at pos {i + 1}")
            tokens.append(STAR)
        elif byte == b"\\":
            if raw[i + 1 : i + 2] not in (b"*", b"\\"):
                raise PatternError(f"Invalid escape character at pos {i + 1}")
            tokens.append(raw[i + 1 : i + 2].decode())
            i += 1
        else:
            end = i + 1
            while end < len(raw) and raw[end] & 0xC0 == 0x80:  # the rest of a character
                end += 1
            tokens.append(raw[i:end].decode())
            i = end - 1
        i += 1
    return tokens


def _wildcard_regex(tokens: list[str | None]) -> re.Pattern[str]:
    return re.compile("".join(".*" if t is STAR else re.escape(t) for t in tokens), re.DOTALL)


def _wildcard_complexity(tokens: list[str | None]) -> int:
    """How many positions of the pattern one worst-case input can keep alive at once.

    event-ruler refuses wildcard rules whose state machine is too non-deterministic; its
    measure counts the rule prefixes a theoretical input matches simultaneously. This is
    the same idea on the pattern's own automaton: a subset simulation over the characters
    the pattern names (plus one it does not), counting the live positions, where a live
    position just before a `*` counts twice (the `*` state and the one after it).
    """
    alphabet = {t for t in tokens if t is not STAR} | {"\x00"}

    def closure(states: frozenset[int]) -> frozenset[int]:
        out = set(states)
        for s in sorted(states):
            while s < len(tokens) and tokens[s] is STAR:
                s += 1
                out.add(s)
        return frozenset(out)

    def step(states: frozenset[int], char: str) -> frozenset[int]:
        nxt = {s for s in states if s < len(tokens) and tokens[s] is STAR}
        nxt |= {s + 1 for s in states if s < len(tokens) and tokens[s] == char}
        return closure(frozenset(nxt))

    start = closure(frozenset({0}))
    seen, frontier, worst = {start}, [start], 0
    while frontier and worst <= WILDCARD_MAX_COMPLEXITY:
        states = frontier.pop()
        stars = sum(1 for s in states if s < len(tokens) and tokens[s] is STAR)
        worst = max(worst, len(states) + stars)
        for char in alphabet:
            nxt = step(states, char)
            if nxt and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return worst


_V4: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_V6: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK: Final = re.compile(r"[+-]?[0-9]+")


def ip_of(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A string that is an IPv4/IPv6 literal as an address; None otherwise."""
    if not isinstance(value, str) or not (_V4.fullmatch(value) or _V6.fullmatch(value)):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _cidr(value: Any, _: bool) -> Matcher:
    if not isinstance(value, str):
        raise PatternError("prefix match pattern must be a string")
    parts = value.split("/")
    while len(parts) > 1 and not parts[-1]:  # Java's split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise PatternError("Malformed CIDR, one '/' required")
    if not _MASK.fullmatch(parts[1]):
        raise PatternError("Malformed CIDR, mask bits must be an integer")
    bits = int(parts[1])
    if bits < 0:
        raise PatternError("Malformed CIDR, mask bits must not be negative")
    if not (_V4.fullmatch(parts[0]) or _V6.fullmatch(parts[0])):
        raise PatternError(f"Nonstandard IP address: {parts[0]}")
    base = ip_of(parts[0])
    if base is None:
        raise PatternError(f"Invalid IP address: {parts[0]}")
    if bits > base.max_prefixlen - 1:
        kind = "IPv4" if base.version == 4 else "IPv6"
        raise PatternError(f"{kind} mask bits must be < {base.max_prefixlen}")
    # event-ruler's range runs from the address as written up to its last host address.
    low = int(base)
    high = low | ((1 << (base.max_prefixlen - bits)) - 1)

    def match(v: Any) -> bool:
        address = ip_of(v)
        return (
            address is not None and address.version == base.version and low <= int(address) <= high
        )

    return match


_EXPRESSIONS: Final[Mapping[str, Callable[[Any, bool], Matcher | AbsentCheck]]] = {
    "exactly": _exactly,
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "numeric": _numeric,
    "anything-but": _anything_but,
    "exists": _exists,
    "cidr": _cidr,
    "wildcard": _wildcard,
}
