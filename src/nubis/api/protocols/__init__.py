"""The boundary of the protocol codecs: one codec per AWS wire protocol, compiled from
botocore's service model, that turns HTTP requests into input dicts and output dicts into
HTTP responses. A service picks its codec by the protocol its model names; the codec names
no operation of any service.

    codec = codec_for("sts")                      # the model's first protocol
    codec = codec_for("cloudwatch", "query")      # or one of the model's `protocols`
    operation = codec.operation(request)          # which operation the request calls
    params = codec.parse(operation, request)      # input dict, keyed by member names
    response = codec.serialize(operation, output, request_id)
    response = codec.serialize_error(error, request_id)

Dicts use botocore's Python forms: member names of the model (not locationNames),
`datetime` (aware, UTC) for timestamps, `bytes` for blobs, `bool`/`int`/`float`/`str`.
Members that are absent (or None) on output are left out of the response.

Implementations: `query.QueryCodec` (form-encoded requests, XML responses),
`rest_xml.RestXmlCodec` (routes, headers, XML or raw payloads) and
`cbor.CborCodec` (smithy-rpc-v2-cbor). Lambda's rest-json and SQS's json stay in
`nubis.api.protocols.rest_json` and `nubis.api.protocols.aws_json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nubis.api.protocols.response import WireResponse
from nubis.model.errors import NubisError


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One HTTP request as the codecs see it. `path` is raw (still percent-encoded) and
    carries no query; `query` is the raw query string; header names in any case."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class Codec(Protocol):
    """One protocol of one service. Built once from the model; immutable afterwards, so
    every method is safe to call from any thread and any number of times.

    `operation` and `parse` raise `NubisError`s of the protocol (`errors.py`) for a request
    they cannot read; they never raise anything else for client input. `parse` converts
    types but does not check the model's constraints (required, lengths, enums): that
    is the service's validation step. `serialize` trusts its output dict (it comes from
    Nubis) and never fails on a member the model has; unknown keys are ignored.
    `serialize_error` renders any `NubisError`: when the model has an error shape named
    `error.wire_type`, its code, status and fault come from the shape and the error's
    `extra` fields become the shape's members.
    """

    protocol: str
    service_name: str

    def operation(self, request: WireRequest) -> str: ...

    def parse(self, operation: str, request: WireRequest) -> dict[str, Any]: ...

    def serialize(
        self, operation: str, output: Mapping[str, Any], request_id: str
    ) -> WireResponse: ...

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse: ...


def codec_for(service: str, protocol: str | None = None) -> Codec:
    """The codec for `service` speaking `protocol` (default: the model's own protocol).

    ValueError if the model does not list that protocol or Nubis has no codec for it.
    """
    # Imported here: the codec modules import WireRequest from this module.
    from nubis.api.protocols.cbor import CborCodec
    from nubis.api.protocols.query import QueryCodec
    from nubis.api.protocols.rest_xml import RestXmlCodec
    from nubis.api.protocols.shapes import load_service

    model = load_service(service)
    chosen = protocol or model.protocol
    listed = model.metadata.get("protocols") or [model.protocol]
    if chosen not in listed:
        raise ValueError(f"{service} does not speak {chosen} (its model lists {listed})")
    codecs: dict[str, type[QueryCodec] | type[RestXmlCodec] | type[CborCodec]] = {
        "query": QueryCodec,
        "rest-xml": RestXmlCodec,
        "smithy-rpc-v2-cbor": CborCodec,
    }
    if chosen not in codecs:
        raise ValueError(f"no codec in nubis.api.protocols for {chosen}")
    return codecs[chosen](service)


__all__ = ["Codec", "WireRequest", "WireResponse", "codec_for"]
