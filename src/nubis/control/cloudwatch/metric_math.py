"""GetMetricData metric math: evaluate expressions over aligned time series.

    evaluator = MathEvaluator(timestamps, metrics=[Series(...), ...],
                              expressions={"e1": "SUM(METRICS()) / PERIOD(m1)"})
    evaluator.evaluate("e1")  -> Series | list[Series]

`metrics` are the request's MetricStat results in request order (`METRICS()` returns
them, and only them); `expressions` may refer to metrics and to each other by id. Values
follow the page "Metric math syntax and functions": arithmetic `+ - * / ^` on scalars,
series and arrays (a missing value of one of two series counts as 0; a division by zero
drops the point), comparisons give 1/0, `AND`/`OR`; the functions are in
math_functions.py. The final result must be a series or an array of series. Mistakes
raise MetricValidationError ("ValidationError", 400): "Error in expression <id>: ...".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nubis.control.cloudwatch.errors import MetricValidationError
from nubis.control.cloudwatch.math_functions import call
from nubis.control.cloudwatch.math_ops import Keyword, Operand, Text, combine
from nubis.control.cloudwatch.math_parser import Node, expression_error, parse_expression
from nubis.control.cloudwatch.series import Series, clean


class MathEvaluator:
    """One GetMetricData request's expressions; each is parsed and evaluated once."""

    def __init__(
        self,
        timestamps: Sequence[int],
        metrics: Sequence[Series],
        expressions: Mapping[str, str],
    ) -> None:
        self.timestamps = tuple(timestamps)
        self.metrics = list(metrics)
        self._by_id = {m.id: m for m in metrics}
        self._expressions = dict(expressions)
        self._results: dict[str, Series | list[Series]] = {}
        self._active: list[str] = []

    def evaluate(self, eid: str) -> Series | list[Series]:
        """The result of expression `eid`: a series or an array of series."""
        if eid in self._results:
            return self._results[eid]
        if eid in self._active:
            raise expression_error(eid, "Circular reference between expressions")
        self._active.append(eid)
        try:
            value = self.node(parse_expression(self._expressions[eid], eid), eid)
        finally:
            self._active.pop()
        if not isinstance(value, Series | list):
            raise expression_error(
                eid, "The result of an expression must be a time series or an array of them"
            )
        result = value
        if isinstance(value, Series):
            result = Series(value.values, eid, eid)  # GetMetricData's Label replaces it
        self._results[eid] = result
        return result

    def node(self, node: Node, eid: str) -> Operand:
        if node.kind == "num":
            return node.value
        if node.kind == "str":
            return Text(node.text)
        if node.kind == "keyword":
            return Keyword(node.text)
        if node.kind == "id":
            return self._reference(node.text, eid)
        if node.kind == "array":
            return self._array(node, eid)
        if node.kind == "unary":
            return combine("*", -1.0, self.node(node.args[0], eid), eid)
        if node.kind == "binary":
            left, right = (self.node(arg, eid) for arg in node.args)
            return combine(node.text, left, right, eid)
        return call(self, node, eid)

    def _reference(self, name: str, eid: str) -> Operand:
        if name in self._by_id:
            return self._by_id[name]
        if name in self._expressions:
            return self.evaluate(name)
        raise expression_error(eid, f"Unrecognized metric or expression id {name}")

    def _array(self, node: Node, eid: str) -> list[Series]:
        out: list[Series] = []
        for item in node.args:
            value = self.node(item, eid)
            if isinstance(value, Series):
                out.append(value)
            elif isinstance(value, list):
                out.extend(value)
            else:
                raise expression_error(eid, "An array may hold only time series")
        return out

    def constant(self, value: float) -> Series:
        """A non-sparse series of one value (TIME_SERIES, IF with scalars)."""
        return Series(clean([value] * len(self.timestamps)))


__all__ = [
    "Keyword",
    "MathEvaluator",
    "MetricValidationError",
    "Operand",
    "Series",
    "Text",
    "combine",
]
