"""Value conversion between wire text/JSON and Python values, by shape type.

Incoming: uri/query/header strings are coerced (integer, boolean, timestamp, jsonvalue
headers are base64 JSON); JSON body values are checked against their shape and blobs are
base64-decoded. A value of the wrong type is InvalidRequestContentException, the error
Lambda gives for a body it cannot read ("Could not parse request body into json: ...").
Outgoing: blobs are base64, timestamps follow the member's `timestampFormat` (defaults:
epoch seconds in JSON, RFC 822 in headers, ISO 8601 in query strings).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from nubis.api import constants
from nubis.api.protocols.json_shapes import Member, Node
from nubis.model.errors import InvalidRequestContentException

# What reading a timestamp can raise: ValueError (bad text, year out of range),
# OverflowError and OSError (seconds past what the platform's time_t holds), TypeError
# (parsedate_to_datetime on some garbage).
_TIME_ERRORS = (ValueError, OverflowError, OSError, TypeError)
_DEFAULT_TIMESTAMP = {"header": "rfc822", "querystring": "iso8601", "body": "unixTimestamp"}


def from_string(member: Member, raw: str, where: str) -> Any:
    """A uri/query/header string as the member's type (`where`: querystring or header)."""
    kind = member.node.type
    try:
        if kind == "string":
            if member.jsonvalue:
                return json.loads(base64.b64decode(raw))
            return raw
        if kind in ("integer", "long"):
            return _ranged(member.node, int(raw))
        if kind in ("float", "double"):
            return float(raw)
        if kind == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false"):
                raise ValueError(f"{raw!r} is not a boolean")
            return lowered == "true"
        if kind == "timestamp":
            return parse_timestamp(raw, member.timestamp_format or _DEFAULT_TIMESTAMP[where])
        if kind == "blob":
            return base64.b64decode(raw, validate=True)
        if kind == "list" and member.node.member is not None:
            return [part.strip() for part in raw.split(",")]
    except (*_TIME_ERRORS, binascii.Error) as exc:
        raise _bad(f"cannot read {_short(raw)} for {member.name}: {exc}") from exc
    return raw


def from_json(node: Node, value: Any) -> Any:
    """A decoded JSON value as the Python value of `node`; unknown members are dropped."""
    kind = node.type
    if kind == "structure":
        if not isinstance(value, dict):
            raise _bad(f"expected an object for {node.name}")
        out: dict[str, Any] = {}
        by_wire_name = node.by_wire_name
        for key, item in value.items():
            member = by_wire_name.get(key)
            if member is not None and item is not None:
                out[member.name] = from_json(member.node, item)
        return out
    if kind == "list":
        if not isinstance(value, list) or node.member is None:
            raise _bad(f"expected an array for {node.name}")
        element = node.member
        return [None if item is None else from_json(element, item) for item in value]
    if kind == "map":
        if not isinstance(value, dict) or node.value is None:
            raise _bad(f"expected an object for {node.name}")
        inner = node.value
        return {_text(k): None if v is None else from_json(inner, v) for k, v in value.items()}
    return _scalar_from_json(node, kind, value)


def _scalar_from_json(node: Node, kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return _text(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):  # Jackson coerces scalars to String
            return str(value)
        raise _bad(f"expected a string for {node.name}")
    if kind in ("integer", "long"):
        return _integer_from_json(node, value)
    if kind in ("float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # an integer literal of hundreds of digits
                raise _bad(f"Numeric value out of range of {kind}") from None
        raise _bad(f"expected a number for {node.name}, got {_short(value)}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise _bad(f"expected a boolean for {node.name}, got {value!r}")
    if kind == "blob":
        if not isinstance(value, str):
            raise _bad(f"expected base64 text for {node.name}")
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as exc:  # binascii.Error, or text that is not ASCII
            raise _bad(f"{node.name} is not valid base64: {exc}") from exc
    if kind == "timestamp":
        return _timestamp_from_json(node, value)
    return value


def _integer_from_json(node: Node, value: Any) -> int:
    if isinstance(value, bool):
        raise _bad(f"expected a number for {node.name}")
    if isinstance(value, int):
        return _ranged(node, value)
    if isinstance(value, float) and value.is_integer():
        return _ranged(node, int(value))
    if isinstance(value, str):
        try:
            return _ranged(node, int(value))
        except ValueError:
            pass
    raise _bad(f"expected an integer for {node.name}, got {_short(value)}")


def _timestamp_from_json(node: Node, value: Any) -> datetime:
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str):
            return parse_timestamp(value, node.timestamp_format or "iso8601")
    except _TIME_ERRORS as exc:  # e.g. year 3e12: out of datetime's range
        raise _bad(f"cannot read timestamp {_short(value)}: {exc}") from exc
    raise _bad(f"expected a timestamp for {node.name}")


def to_json(node: Node, value: Any) -> Any:
    """A Python value of `node` as a JSON-ready value (None members dropped)."""
    kind = node.type
    if kind == "structure":
        if not isinstance(value, Mapping):
            return value
        return {
            m.wire_name: to_json(m.node, value[m.name])
            for m in node.members
            if value.get(m.name) is not None
        }
    if kind == "list" and node.member is not None:
        element = node.member
        return [to_json(element, item) for item in value]
    if kind == "map" and node.value is not None:
        inner = node.value
        return {k: to_json(inner, v) for k, v in value.items()}
    if kind == "blob":
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "timestamp" and isinstance(value, datetime):
        return format_timestamp(value, node.timestamp_format or "unixTimestamp")
    return value


def to_header(member: Member, value: Any) -> str:
    kind = member.node.type
    if member.jsonvalue:
        text = json.dumps(value, separators=(",", ":"))
        return base64.b64encode(text.encode()).decode("ascii")
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp" and isinstance(value, datetime):
        return str(format_timestamp(value, member.timestamp_format or "rfc822"))
    if kind == "blob":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "list":
        return ",".join(str(v) for v in value)
    return str(value)


def parse_timestamp(raw: str, fmt: str) -> datetime:
    if fmt == "unixTimestamp":
        return datetime.fromtimestamp(float(raw), tz=UTC)
    if fmt == "rfc822":
        return parsedate_to_datetime(raw)
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_timestamp(value: datetime, fmt: str) -> str | int | float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if fmt == "unixTimestamp":
        seconds = value.timestamp()
        return int(seconds) if seconds.is_integer() else seconds
    if fmt == "rfc822":
        return format_datetime(value.astimezone(UTC), usegmt=True)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# The Java types Lambda and SQS read these shapes into.
_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _ranged(node: Node, value: int) -> int:
    low, high = _RANGES.get(node.type, (value, value))
    if not low <= value <= high:
        java = "int" if node.type == "integer" else "long"
        raise _bad(f"Numeric value ({_short(value)}) out of range of {java} ({low} - {high})")
    return value


def _text(value: str) -> str:
    """A JSON string as the service holds it: a lone UTF-16 surrogate (`"\\ud800"` is valid
    JSON) has no UTF-8 form, so nothing downstream could store or send it."""
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        raise _bad(f"Invalid UTF-16 surrogate in a string (position {exc.start})") from None
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."


def _bad(detail: str) -> InvalidRequestContentException:
    return InvalidRequestContentException(constants.MSG_BAD_JSON.format(detail=detail))
