"""CloudWatch Logs rules that need no storage: filter patterns.

    filter_pattern.py  compile_filter_pattern(text) → FilterPattern (.matches(message))
    terms.py           terms, "phrases", ?optional and -excluded terms
    json_pattern.py    { $.selector op value && ... }
    delimited.py       [field, ..., name op value]
    regex.py           %regex%, AWS's subset
    conditions.py      what JSON and delimited patterns share (values, &&, ||)
    errors.py          InvalidFilterPatternError (InvalidParameterException) and messages

Pure functions on immutable values, standard library only, no I/O: the log store and
the CloudWatch Logs API live elsewhere. See docs/logs-filter-patterns.md.
"""

from nubis.control.logs.errors import InvalidFilterPatternError
from nubis.control.logs.filter_pattern import FilterPattern, PatternKind, compile_filter_pattern

__all__ = ["FilterPattern", "InvalidFilterPatternError", "PatternKind", "compile_filter_pattern"]
