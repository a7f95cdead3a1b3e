"""Lambda ARNs and the name forms the API accepts for a function."""

from __future__ import annotations

import re
from dataclasses import dataclass

# name, partial ARN (account:function:name) or full ARN, each with an optional :qualifier
_FUNCTION_REF = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"|(?P<paccount>\d{12}):function:)?"
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)


@dataclass(frozen=True)
class FunctionRef:
    """What a `FunctionName` parameter names: a function and maybe a qualifier."""

    name: str
    qualifier: str | None = None
    account: str | None = None
    region: str | None = None


def parse_function_ref(text: str) -> FunctionRef | None:
    """Parse a name, partial ARN or ARN; None if it is none of them."""
    m = _FUNCTION_REF.match(text)
    if m is None:
        return None
    return FunctionRef(
        name=m["name"],
        qualifier=m["qualifier"],
        account=m["account"] or m["paccount"],
        region=m["region"],
    )


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn
