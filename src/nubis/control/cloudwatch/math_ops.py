"""What metric math computes with: operands and the arithmetic on them.

An operand is a scalar (float), a `Series`, an array of series (list), or an argument
word (`Keyword`, `Text`). `combine` applies a binary operator with the page's rules:
scalar with series applies to each present point; two series combine at every
timestamp where either has a value, the missing one counting as 0; an array applies to
each of its series; a division by zero (any non-finite result) drops the point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from nubis.control.cloudwatch.math_parser import expression_error
from nubis.control.cloudwatch.series import Series


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare upper-case word given as an argument: REPEAT, LINEAR, AVG, ASC, DESC."""

    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """A string argument (METRICS("errors"))."""

    text: str


Operand = float | Series | list[Series] | Keyword | Text


def _div(x: float, y: float) -> float:
    return x / y if y != 0 else math.nan


def _pow(x: float, y: float) -> float:
    try:
        result = x**y
    except (OverflowError, ZeroDivisionError):
        return math.nan
    return result if isinstance(result, float | int) else math.nan


OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": _div,
    "^": _pow,
    "==": lambda x, y: float(x == y),
    "!=": lambda x, y: float(x != y),
    "<=": lambda x, y: float(x <= y),
    ">=": lambda x, y: float(x >= y),
    "<": lambda x, y: float(x < y),
    ">": lambda x, y: float(x > y),
    "&&": lambda x, y: float(x != 0 and y != 0),
    "||": lambda x, y: float(x != 0 or y != 0),
}


def as_scalar(value: Operand, eid: str, what: str) -> float:
    """`value` as a number, or the error for `what` (a function or an operator)."""
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise expression_error(eid, f"Invalid arguments for {what}")
    return float(value)


def combine(op: str, a: Operand, b: Operand, eid: str) -> Operand:
    """`a op b` for scalars, series (missing counts as 0 beside a value) and arrays."""
    fn = OPERATORS[op]
    if isinstance(a, list) and isinstance(b, list):
        raise expression_error(eid, f"Operator {op} cannot combine two arrays of time series")
    if isinstance(a, list):
        return [_keep(s, combine(op, s, b, eid)) for s in a]
    if isinstance(b, list):
        return [_keep(s, combine(op, a, s, eid)) for s in b]
    if isinstance(a, Keyword | Text) or isinstance(b, Keyword | Text):
        raise expression_error(eid, f"Invalid operand for operator {op}")
    if isinstance(a, Series) and isinstance(b, Series):
        pairs = zip(a.values, b.values, strict=True)
        return a.with_values(
            [None if x is None and y is None else fn(x or 0.0, y or 0.0) for x, y in pairs]
        )
    if isinstance(a, Series):
        y = as_scalar(b, eid, f"operator {op}")
        return a.with_values([None if x is None else fn(x, y) for x in a.values])
    if isinstance(b, Series):
        x = as_scalar(a, eid, f"operator {op}")
        return b.with_values([None if y is None else fn(x, y) for y in b.values])
    return fn(as_scalar(a, eid, f"operator {op}"), as_scalar(b, eid, f"operator {op}"))


def _keep(source: Series, result: Operand) -> Series:
    assert isinstance(result, Series)
    return Series(result.values, source.label, source.id)
