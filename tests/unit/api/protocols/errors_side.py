"""Errors of a model as NubisErrors, the way a later service will declare them."""

from __future__ import annotations

from typing import Any

from nubis.api.protocols.shapes import load_service
from nubis.model.errors import NubisError


def exception_shapes(service: str) -> list[str]:
    model = load_service(service)
    return sorted(n for n in model.shape_names if model.shape_for(n).metadata.get("exception"))


def modeled_error(shape_name: str, message: str, **fields: Any) -> NubisError:
    cls = type(shape_name, (NubisError,), {"wire_type": shape_name, "status": 400})
    return cls(message, **fields)
