"""What the codecs share: botocore's models, scalar values as text, error metadata.

Shapes are botocore's own `botocore.model.Shape` objects (a member's `serialization`
carries its locationName, location, flattened, xmlNamespace, xmlAttribute and
timestampFormat already merged from the member reference), so a codec walks exactly
the tree botocore's serializers and parsers walk.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.model
import botocore.session

from nubis.api.protocols.json_values import format_timestamp, parse_timestamp
from nubis.model.errors import NubisError

Shape = Any  # botocore.model.Shape: botocore ships no type information

_FLOAT_WORDS = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}


@functools.cache
def load_service(name: str) -> Any:
    """botocore's ServiceModel for `name`, loaded once per process (loading costs ms)."""
    return botocore.session.get_session().get_service_model(name)


def from_text(shape: Shape, text: str, default_timestamp: str = "iso8601") -> Any:
    """A scalar's wire text as its Python value; ValueError when it is not of the type."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(text)
    if kind in ("float", "double"):
        return _FLOAT_WORDS[text] if text in _FLOAT_WORDS else float(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", default_timestamp)
        return parse_timestamp(text, _timestamp_format(fmt))
    if kind == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not base64: {exc}") from exc
    return text


def to_text(shape: Shape, value: Any, default_timestamp: str = "iso8601") -> str:
    """A scalar Python value as the wire text botocore's parsers read back."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("float", "double"):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return repr(number)
    if kind == "timestamp" and isinstance(value, datetime):
        fmt = shape.serialization.get("timestampFormat", default_timestamp)
        return str(format_timestamp(value, _timestamp_format(fmt)))
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    return str(value)


def _timestamp_format(name: str) -> str:
    """Model spellings (`iso8601`, `rfc822`, `unixTimestamp`) as json_values's names."""
    lowered = name.lower()
    if lowered == "unixtimestamp":
        return "unixTimestamp"
    return lowered


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """How an error goes on the wire: its code, HTTP status, fault and modeled shape."""

    code: str
    status: int
    sender: bool
    message: str
    shape: Shape | None
    fields: Mapping[str, Any]


def error_info(model: Any, error: NubisError) -> ErrorInfo:
    """The model's word on `error` when it has an exception shape of that name (IAM's
    `NoSuchEntityException` goes out as code `NoSuchEntity`, 404); the error's own
    class attributes otherwise."""
    shape = None
    try:
        candidate = model.shape_for(error.wire_type)
    except botocore.model.NoShapeFoundError:
        candidate = None
    if candidate is not None and candidate.metadata.get("exception"):
        shape = candidate
    meta = shape.metadata.get("error", {}) if shape is not None else {}
    status = int(meta.get("httpStatusCode", error.status))
    if "senderFault" in meta:
        sender = bool(meta["senderFault"])
    elif shape is not None:
        sender = status < 500  # models (S3's) that leave the fault out mean: by status
    else:
        sender = error.fault != "Service"
    return ErrorInfo(
        code=meta.get("code", error.wire_type),
        status=status,
        sender=sender,
        message=error.message,
        shape=shape,
        fields={k: v for k, v in error.extra.items() if v is not None},
    )


def member_fields(shape: Shape | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The error fields the error shape models (others are dropped: no client reads them);
    the message is rendered separately by every protocol."""
    if shape is None:
        return {}
    return {
        name: fields[name] for name in shape.members if name in fields and name.lower() != "message"
    }
