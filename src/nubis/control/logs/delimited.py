"""Space-delimited filter patterns: `[ip, user, ..., status_code = 4*, bytes > 1000]`.

A message splits into fields at spaces; the characters between `[` and `]` or between
two double quotes are one field (without the brackets or quotes), as AWS's page says.
The pattern names the fields in order, separated by commas: a name alone matches any
field, `name op value` (and `&&`/`||` of conditions on that same name) must hold, and
`...` stands for any number of fields (also none). Without `...`, the last entry takes
the rest of the line when the message has more fields than the pattern (AWS's page:
`[w1=ERROR, w2]` returns `ERROR 09/25/2014 12:00:02 Failed to process request`, and a
pattern on the first word needs that blank `w2`); fewer fields never match. An empty
entry (`[a, b,]`) is an unnamed field. Numeric operators compare fields that are
numbers; `=`/`!=` with a number also compare numerically (`200` matches `200.0`),
otherwise as strings with wildcards or a regex. A condition in one entry on another
entry's name is an invalid pattern (AWS rejects its own old example
`status_code = 4* && bytes > 1000`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nubis.control.logs.conditions import (
    Cursor,
    Predicate,
    compile_expression,
    parse_comparison,
    read_quoted,
    tokenize,
)
from nubis.control.logs.errors import MSG_INVALID, InvalidFilterPatternError, invalid_term

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ELLIPSIS = "..."


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # "" for an unnamed entry, ELLIPSIS for `...`
    test: Callable[[str], bool] | None = None


def split_entries(body: str) -> list[str]:
    """The comma-separated entries, commas inside quotes or `%regex%` not counting."""
    entries: list[str] = []
    start = i = 0
    while i < len(body):
        char = body[i]
        if char == '"':
            i = read_quoted(body, i)[0]
            continue
        if char == "%":
            end = body.find("%", i + 1)
            if end < 0:
                raise InvalidFilterPatternError(MSG_INVALID)
            i = end + 1
            continue
        if char == ",":
            entries.append(body[start:i].strip())
            start = i + 1
        i += 1
    entries.append(body[start:].strip())
    return entries


def _entry(text: str, regexes: list[int]) -> Field:
    if text in ("", ELLIPSIS):
        return Field(text)
    tokens = tokenize(text)
    if len(tokens) == 1 and tokens[0].kind == "word":
        if _NAME.fullmatch(tokens[0].text) is None:
            raise InvalidFilterPatternError(invalid_term(tokens[0].text))
        return Field(tokens[0].text)
    names: set[str] = set()

    def operand(cursor: Cursor) -> Predicate:
        name = cursor.take()
        if name.kind != "word" or _NAME.fullmatch(name.text) is None:
            raise InvalidFilterPatternError(invalid_term(name.text))
        op = cursor.take()
        if op.kind != "op":
            raise InvalidFilterPatternError(MSG_INVALID)
        names.add(name.text)
        return parse_comparison(op.text, cursor.take(), regexes).field

    test = compile_expression(tokens, operand)
    if len(names) != 1:
        raise InvalidFilterPatternError(MSG_INVALID)
    return Field(names.pop(), test)


_FIELD = re.compile(r"\[([^\]]*)\]|\"([^\"]*)\"|(\S+)")


def split_message(message: str) -> list[tuple[str, int]]:
    """Fields of a line with where each starts: runs of spaces separate; `[...]` and
    `"..."` are one field (the value without the brackets or quotes). Exactly one of the
    three groups matched, and `lastindex` names it."""
    return [(m.group(m.lastindex or 0), m.start()) for m in _FIELD.finditer(message)]


Alignment = list[tuple[Field | None, str]]  # per message field: its entry (None: `...`)


@dataclass(frozen=True, slots=True)
class DelimitedPattern:
    fields: tuple[Field, ...]

    def align(self, message: str) -> Alignment | None:
        """Which entry takes which field of `message`, or None when it does not match."""
        ellipses = [i for i, f in enumerate(self.fields) if f.name == ELLIPSIS]
        if not ellipses:
            return _fixed(self.fields, message)
        values = [v for v, _ in split_message(message)]
        if len(ellipses) == 1:
            cut = ellipses[0]
            return _around(self.fields[:cut], self.fields[cut + 1 :], values)
        return _match(self.fields, values, 0)

    def matches(self, message: str) -> bool:
        """`align(message) is not None`, without building the alignment for one `...`
        (the common `[type=REPORT, ..., x]` shape)."""
        ellipses = [i for i, f in enumerate(self.fields) if f.name == ELLIPSIS]
        if len(ellipses) != 1:
            return self.align(message) is not None
        head, tail = self.fields[: ellipses[0]], self.fields[ellipses[0] + 1 :]
        values = [v for v, _ in split_message(message)]
        if len(values) < len(head) + len(tail):
            return False
        ends = values[len(values) - len(tail) :]
        return all(_holds(f, v) for f, v in zip(head, values, strict=False)) and all(
            _holds(f, v) for f, v in zip(tail, ends, strict=True)
        )

    def extract(self, message: str) -> dict[str, str] | None:
        """TestMetricFilter's extractedValues: `$name` for named entries, `$N` (from 1)
        for the fields of unnamed entries and of `...`."""
        alignment = self.align(message)
        if alignment is None:
            return None
        return {
            f"${field.name}" if field is not None and field.name else f"${i}": value
            for i, (field, value) in enumerate(alignment, 1)
        }


def compile_delimited(body: str) -> DelimitedPattern:
    """The text between the brackets → a compiled pattern."""
    regexes = [0]
    fields = tuple(_entry(text, regexes) for text in split_entries(body))
    if not any(f.name for f in fields):
        raise InvalidFilterPatternError(MSG_INVALID)
    return DelimitedPattern(fields)


def _holds(field: Field, value: str) -> bool:
    return field.test is None or field.test(value)


def _around(
    head: tuple[Field, ...], tail: tuple[Field, ...], values: list[str]
) -> Alignment | None:
    """One `...`: the entries before it hold the first fields, those after it the last."""
    if len(values) < len(head) + len(tail):
        return None
    middle = len(values) - len(tail)
    aligned: Alignment = [*zip(head, values, strict=False)]
    aligned += [(None, v) for v in values[len(head) : middle]]
    aligned += [*zip(tail, values[middle:], strict=True)]
    return aligned if all(f is None or _holds(f, v) for f, v in aligned) else None


def _fixed(fields: tuple[Field, ...], message: str) -> Alignment | None:
    """No `...`: one field per entry, the last entry taking whatever is left."""
    parts = split_message(message)
    if len(parts) < len(fields):
        return None
    values = [v for v, _ in parts[: len(fields)]]
    if len(parts) > len(fields):
        values[-1] = message[parts[len(fields) - 1][1] :].rstrip()
    aligned: Alignment = [*zip(fields, values, strict=True)]
    return aligned if all(_holds(f, v) for f, v in zip(fields, values, strict=True)) else None


def _match(fields: tuple[Field, ...], values: list[str], vi: int) -> Alignment | None:
    """Several `...`: try each split (patterns are short; this is the rare case)."""
    aligned: Alignment = []
    for fi, field in enumerate(fields):
        if field.name == ELLIPSIS:
            rest = fields[fi + 1 :]
            for start in range(vi, len(values) + 1) if rest else (len(values),):
                tail = _match(rest, values, start) if rest else []
                if tail is not None:
                    return aligned + [(None, v) for v in values[vi:start]] + tail
            return None
        if vi >= len(values) or not _holds(field, values[vi]):
            return None
        aligned.append((field, values[vi]))
        vi += 1
    return aligned if vi == len(values) else None
