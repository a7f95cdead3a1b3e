"""The functions of metric math (upper case, as the page "Metric math syntax and
functions" lists them), each `fn(evaluator, args, eid) -> operand`.

Elementwise: ABS CEIL FLOOR LOG LOG10. Reductions (a series → a scalar over its
datapoints; an array → one series, per timestamp over the series with a value there;
AVG of an array counts a missing value as 0, as the page says): SUM AVG MIN MAX STDDEV
(population) DATAPOINT_COUNT. Sequences over a series' datapoints: DIFF DIFF_TIME RATE
(per second) RUNNING_SUM. FILL(x, value | series | REPEAT | LINEAR) (REPEAT carries the
last value forward, LINEAR interpolates between two values; gaps at the edges stay).
IF, FIRST, LAST, METRICS, METRIC_COUNT, PERIOD, REMOVE_EMPTY, SLICE, SORT, TIME_SERIES,
and the time functions MINUTE HOUR DAY (1 = Monday) DATE MONTH YEAR EPOCH (UTC).
Functions of services Nubis does not have (SEARCH, ANOMALY_DETECTION_BAND, ...) answer
"not supported".
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from nubis.control.cloudwatch.math_ops import Keyword, Operand, Text, as_scalar
from nubis.control.cloudwatch.math_parser import Node, expression_error
from nubis.control.cloudwatch.series import Series, Values, clean, safe

if TYPE_CHECKING:
    from nubis.control.cloudwatch.metric_math import MathEvaluator

Function = Callable[["MathEvaluator", list[Operand], str], Operand]
UNSUPPORTED = frozenset(
    {"ANOMALY_DETECTION_BAND", "INSIGHT_RULE_METRIC", "SEARCH", "SERVICE_QUOTA", "LAMBDA"}
)


def call(ev: MathEvaluator, node: Node, eid: str) -> Operand:
    name = node.text
    function = FUNCTIONS.get(name)
    if function is None:
        if name in UNSUPPORTED:
            raise expression_error(eid, f"Function {name} is not supported")
        raise expression_error(eid, f"Unknown function {name}")
    return function(ev, [ev.node(arg, eid) for arg in node.args], eid)


def _bad(name: str, eid: str) -> Exception:
    return expression_error(eid, f"Invalid arguments for function {name}")


def _one(name: str, args: list[Operand], eid: str, *, array: bool = False) -> Operand:
    if len(args) != 1 or isinstance(args[0], Keyword | Text):
        raise _bad(name, eid)
    if array and not isinstance(args[0], list):
        raise _bad(name, eid)
    return args[0]


def _elementwise(name: str, fn: Callable[[float], float]) -> Function:
    apply = safe(fn)

    def run(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
        value = _one(name, args, eid)
        if isinstance(value, list):
            return [s.with_values([apply(v) for v in s.values]) for s in value]
        if isinstance(value, Series):
            return value.with_values([apply(v) for v in value.values])
        result = apply(as_scalar(value, eid, f"function {name}"))
        return math.nan if result is None else float(result)

    return run


def _reduction(name: str, fn: Callable[[list[float]], float], avg: bool = False) -> Function:
    def run(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
        value = _one(name, args, eid)
        if isinstance(value, Series):
            present = value.present()
            return fn(present) if present else math.nan
        if not isinstance(value, list):
            raise _bad(name, eid)
        out: list[float | None] = []
        for column in zip(*(s.values for s in value), strict=True) if value else ():
            present = [v for v in column if v is not None]
            if not present:
                out.append(None)
            elif avg:
                out.append(sum(present) / len(column))  # missing counts as 0
            else:
                out.append(fn(present))
        return Series(clean(out) if value else (None,) * len(ev.timestamps))

    return run


def _sequence(name: str, step: Callable[[float, float, int], float | None]) -> Function:
    """Each datapoint against the previous one: step(value, previous, seconds between)."""

    def one(ev: MathEvaluator, s: Series) -> Series:
        out: list[float | None] = []
        previous: tuple[float, int] | None = None
        for value, ts in zip(s.values, ev.timestamps, strict=True):
            if value is None:
                out.append(None)
                continue
            out.append(None if previous is None else step(value, previous[0], ts - previous[1]))
            previous = (value, ts)
        return s.with_values(out)

    def run(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
        value = _one(name, args, eid)
        if isinstance(value, list):
            return [one(ev, s) for s in value]
        if not isinstance(value, Series):
            raise _bad(name, eid)
        return one(ev, value)

    return run


def _running_sum(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    def one(s: Series) -> Series:
        total, out = 0.0, []
        for value in s.values:
            if value is not None:
                total += value
            out.append(None if value is None else total)
        return s.with_values(out)

    value = _one("RUNNING_SUM", args, eid)
    if isinstance(value, list):
        return [one(s) for s in value]
    if not isinstance(value, Series):
        raise _bad("RUNNING_SUM", eid)
    return one(value)


def _fill(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    if len(args) != 2 or isinstance(args[0], Keyword | Text | float | int):
        raise _bad("FILL", eid)
    target, filler = args[0], args[1]
    if isinstance(filler, Keyword) and filler.text not in ("REPEAT", "LINEAR"):
        raise _bad("FILL", eid)
    if isinstance(filler, Text | list):
        raise _bad("FILL", eid)

    def one(s: Series) -> Series:
        return s.with_values(_filled(s.values, filler, ev.timestamps, eid))

    return [one(s) for s in target] if isinstance(target, list) else one(target)


def _filled(
    values: Values, filler: Operand, timestamps: Sequence[int], eid: str
) -> list[float | None]:
    out = list(values)
    if isinstance(filler, Series):
        return [v if v is not None else f for v, f in zip(values, filler.values, strict=True)]
    if not isinstance(filler, Keyword):
        constant = as_scalar(filler, eid, "function FILL")
        return [v if v is not None else constant for v in values]
    known = [i for i, v in enumerate(values) if v is not None]
    for before, after in itertools.pairwise(known):
        low, high = values[before], values[after]
        assert low is not None
        assert high is not None
        for i in range(before + 1, after):
            if filler.text == "REPEAT":
                out[i] = low
            else:
                share = (timestamps[i] - timestamps[before]) / (
                    timestamps[after] - timestamps[before]
                )
                out[i] = low + (high - low) * share
    if filler.text == "REPEAT" and known:
        out[known[-1] + 1 :] = [values[known[-1]]] * (len(values) - known[-1] - 1)
    return out


def _truth_value(arg: Operand, i: int, eid: str, *, missing: float | None) -> float | None:
    if isinstance(arg, Series):
        value = arg.values[i]
        return missing if value is None else value
    return as_scalar(arg, eid, "function IF")


def _if(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    if len(args) not in (2, 3) or any(isinstance(a, list | Keyword | Text) for a in args):
        raise _bad("IF", eid)
    condition, yes = args[0], args[1]
    no = args[2] if len(args) == 3 else None
    if not isinstance(condition, Series):
        chosen = yes if as_scalar(condition, eid, "function IF") != 0 else no
        if chosen is None:
            return Series((None,) * len(ev.timestamps))
        if isinstance(chosen, Series):
            return chosen
        return ev.constant(as_scalar(chosen, eid, "function IF"))
    out: list[float | None] = []
    for i, flag in enumerate(condition.values):
        if flag is None:
            out.append(None)
        elif flag != 0:
            out.append(_truth_value(yes, i, eid, missing=0.0))
        else:
            out.append(None if no is None else _truth_value(no, i, eid, missing=None))
    return Series(clean(out))


def _metrics(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    if not args:
        return list(ev.metrics)
    if len(args) == 1 and isinstance(args[0], Text):
        return [m for m in ev.metrics if args[0].text in m.id]
    raise _bad("METRICS", eid)


def _pick(name: str, index: int) -> Function:
    def run(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
        value = _one(name, args, eid, array=True)
        assert isinstance(value, list)
        if not value:
            return Series((None,) * len(ev.timestamps))
        return value[index]

    return run


def _metric_count(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    value = _one("METRIC_COUNT", args, eid, array=True)
    assert isinstance(value, list)
    return float(len(value))


def _period(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    value = _one("PERIOD", args, eid)
    if not isinstance(value, Series) or value.period is None:
        raise _bad("PERIOD", eid)  # "Valid input is metrics, not the results of other expressions"
    return float(value.period)


def _remove_empty(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    value = _one("REMOVE_EMPTY", args, eid, array=True)
    assert isinstance(value, list)
    return [s for s in value if s.present()]


def _slice(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    if len(args) not in (2, 3) or not isinstance(args[0], list):
        raise _bad("SLICE", eid)
    bounds = [int(as_scalar(b, eid, "function SLICE")) for b in args[1:]]
    start, stop = bounds[0], (bounds[1] if len(bounds) == 2 else None)
    return args[0][start:stop]


_SORT_BY: dict[str, Callable[[list[float]], float]] = {
    "AVG": statistics.fmean,
    "MIN": min,
    "MAX": max,
    "SUM": math.fsum,
}


def _sort(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    if len(args) not in (3, 4) or not isinstance(args[0], list):
        raise _bad("SORT", eid)
    by, order = args[1], args[2]
    if not isinstance(by, Keyword) or by.text not in _SORT_BY:
        raise _bad("SORT", eid)
    if not isinstance(order, Keyword) or order.text not in ("ASC", "DESC"):
        raise _bad("SORT", eid)
    fn = _SORT_BY[by.text]

    def key(s: Series) -> float:
        present = s.present()
        return fn(present) if present else -math.inf

    ordered = sorted(args[0], key=key, reverse=order.text == "DESC")
    if len(args) == 4:
        if not isinstance(args[3], float | int):
            raise _bad("SORT", eid)
        ordered = ordered[: int(args[3])]
    return ordered


def _time_series(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
    value = _one("TIME_SERIES", args, eid)
    if isinstance(value, Series | list):
        raise _bad("TIME_SERIES", eid)
    return ev.constant(as_scalar(value, eid, "function TIME_SERIES"))


def _clock(name: str, part: Callable[[dt.datetime], float]) -> Function:
    def run(ev: MathEvaluator, args: list[Operand], eid: str) -> Operand:
        value = _one(name, args, eid)
        if not isinstance(value, Series):
            raise _bad(name, eid)
        moments = (dt.datetime.fromtimestamp(ts, dt.UTC) for ts in ev.timestamps)
        return Series(tuple(part(m) for m in moments))

    return run


FUNCTIONS: dict[str, Function] = {
    "ABS": _elementwise("ABS", abs),
    "CEIL": _elementwise("CEIL", math.ceil),
    "FLOOR": _elementwise("FLOOR", math.floor),
    "LOG": _elementwise("LOG", math.log),
    "LOG10": _elementwise("LOG10", math.log10),
    "SUM": _reduction("SUM", math.fsum),
    "AVG": _reduction("AVG", statistics.fmean, avg=True),
    "MIN": _reduction("MIN", min),
    "MAX": _reduction("MAX", max),
    "STDDEV": _reduction("STDDEV", statistics.pstdev),
    "DATAPOINT_COUNT": _reduction("DATAPOINT_COUNT", lambda v: float(len(v))),
    "DIFF": _sequence("DIFF", lambda v, prev, _s: v - prev),
    "DIFF_TIME": _sequence("DIFF_TIME", lambda _v, _p, seconds: float(seconds)),
    "RATE": _sequence("RATE", lambda v, prev, s: (v - prev) / s if s else None),
    "RUNNING_SUM": _running_sum,
    "FILL": _fill,
    "IF": _if,
    "METRICS": _metrics,
    "FIRST": _pick("FIRST", 0),
    "LAST": _pick("LAST", -1),
    "METRIC_COUNT": _metric_count,
    "PERIOD": _period,
    "REMOVE_EMPTY": _remove_empty,
    "SLICE": _slice,
    "SORT": _sort,
    "TIME_SERIES": _time_series,
    "MINUTE": _clock("MINUTE", lambda m: float(m.minute)),
    "HOUR": _clock("HOUR", lambda m: float(m.hour)),
    "DAY": _clock("DAY", lambda m: float(m.isoweekday())),
    "DATE": _clock("DATE", lambda m: float(m.day)),
    "MONTH": _clock("MONTH", lambda m: float(m.month)),
    "YEAR": _clock("YEAR", lambda m: float(m.year)),
    "EPOCH": _clock("EPOCH", lambda m: m.timestamp()),
}
