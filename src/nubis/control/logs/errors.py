"""The one error of filter patterns: CloudWatch Logs' InvalidParameterException (400).

The messages are the ones CloudWatch Logs returns for the same mistakes, as clients
report them: "Invalid filter pattern" (the general one), "Invalid character(s) in term
'<term>'" (a character that needs quoting, an unsupported regex character, a broken
selector: the term shown is what AWS had read when it gave up), and the two bracket
rules "If a filter pattern starts with '{' it must end with '}'" and the same for '['.
PutMetricFilter says "Invalid metric filter pattern" for the general case; the caller
passes that text as `general` where it applies.
"""

from __future__ import annotations

from typing import ClassVar

from nubis.model.errors import NubisError

MSG_INVALID = "Invalid filter pattern"
MSG_INVALID_METRIC = "Invalid metric filter pattern"
MSG_JSON_BRACES = "If a filter pattern starts with '{' it must end with '}'"
MSG_DELIMITED_BRACKETS = "If a filter pattern starts with '[' it must end with ']'"


def invalid_term(term: str) -> str:
    return f"Invalid character(s) in term '{term}'"


class InvalidFilterPatternError(NubisError):
    """A filter pattern CloudWatch Logs would reject (InvalidParameterException, 400)."""

    wire_type: ClassVar[str] = "InvalidParameterException"
    status: ClassVar[int] = 400
