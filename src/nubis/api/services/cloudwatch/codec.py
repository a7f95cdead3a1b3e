"""CloudWatch's three protocols behind one `ServiceCodec`, chosen per request by its shape:

    smithy-protocol: rpc-v2-cbor, POST /service/GraniteServiceVersion20100801/operation/<Op>
                                     -> CBOR  (botocore's default for `cloudwatch` today)
    X-Amz-Target: GraniteServiceVersion20100801.<Op>
                                     -> JSON 1.0, query-compatible (`x-amzn-query-error`)
    anything else (a form body or GET query with Action=...)
                                     -> query/XML (older SDKs, the aws CLI v2 of 2024)

The gateway calls `route`, `parse`, the handler and `serialize`/`serialize_error` of one
request in one task, with no codec call of another request in between on that task; so
`route` records the protocol it chose in a context variable, which the later calls (and
`protocol`, which the gateway reads when routing fails) read back. Immutable otherwise;
thread-safe.

Required members are checked for every protocol (`missing_member`): the CBOR and query
codecs convert types only, and AWS answers MissingParameter ("The parameter
MetricData.member.1.MetricName is required.").
"""

from __future__ import annotations

import contextvars
import zlib
from collections.abc import Mapping
from typing import Any

from nubis.api.protocols import Codec, WireRequest, codec_for
from nubis.api.protocols.aws_json import JsonService
from nubis.api.protocols.errors import SerializationException
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.shapes import Shape, error_info, load_service
from nubis.api.service import OperationResult, Params, Routed
from nubis.http11 import Request
from nubis.model.errors import NubisError, RequestTooLargeException

SERVICE = "cloudwatch"
CBOR, JSON, QUERY = "smithy-rpc-v2-cbor", "json", "query"
_CBOR_HEADER = "smithy-protocol"
_TARGET_HEADER = "x-amz-target"
_CBOR_PATH = "/service/"
_ENCODING_HEADER = "content-encoding"
# PutMetricData's model asks clients to gzip large bodies (botocore does past 10 KB);
# AWS takes up to 1 MB of it uncompressed.
MAX_INFLATED = 1024 * 1024
MSG_TOO_LARGE = "The request body is larger than {limit} bytes once decompressed."
MSG_BAD_GZIP = "The request body is not valid gzip: {detail}"

_chosen: contextvars.ContextVar[str] = contextvars.ContextVar("cloudwatch_protocol", default=CBOR)


class MissingRequiredParameterException(NubisError):
    wire_type = "MissingRequiredParameterException"  # code MissingParameter, 400
    status = 400


def body_of(request: Request) -> bytes:
    """The body, inflated when the client gzipped it (`Content-Encoding: gzip`)."""
    if request.headers.get(_ENCODING_HEADER, "").strip().lower() != "gzip":
        return request.body
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(request.body, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise SerializationException(MSG_BAD_GZIP.format(detail=exc)) from exc
    if len(body) > MAX_INFLATED or inflater.unconsumed_tail:
        raise RequestTooLargeException(MSG_TOO_LARGE.format(limit=MAX_INFLATED))
    return body


def protocol_of(request: Request) -> str:
    """The protocol a request is in, as its headers and path say (unserved.py's rules)."""
    headers = request.headers
    if headers.get(_CBOR_HEADER) == "rpc-v2-cbor" or request.path.startswith(_CBOR_PATH):
        return CBOR
    if _TARGET_HEADER in headers:
        return JSON
    return QUERY


class CloudWatchCodec:
    """`ServiceCodec` of CloudWatch in the protocol of each request."""

    def __init__(self) -> None:
        self._model = load_service(SERVICE)
        self._cbor: Codec = codec_for(SERVICE, CBOR)
        self._query: Codec = codec_for(SERVICE, QUERY)
        self._json = JsonService(SERVICE, constraints=False)

    @property
    def protocol(self) -> str:
        return _chosen.get()

    @protocol.setter
    def protocol(self, value: str) -> None:  # ServiceCodec declares a plain attribute
        _chosen.set(value)

    def route(self, request: Request) -> Routed:
        chosen = protocol_of(request)
        _chosen.set(chosen)  # first, so that an error below is rendered in this protocol
        body = body_of(request)
        if chosen == JSON:
            target = request.headers.get(_TARGET_HEADER, "")
            return Routed(self._json.operation_of(target), body)
        wire = WireRequest(
            request.method, request.path, request.query_string, request.headers, body
        )
        codec = self._cbor if chosen == CBOR else self._query
        return Routed(codec.operation(wire), wire)

    def parse(self, routed: Routed, request: Request) -> Params:
        chosen = _chosen.get()
        if chosen == JSON:
            params = self._json.parse(routed.operation, routed.state)
        else:
            codec = self._cbor if chosen == CBOR else self._query
            params = codec.parse(routed.operation, routed.state)
        shape = self._model.operation_model(routed.operation).input_shape
        missing = missing_member(shape, params, "") if shape is not None else None
        if missing is not None:
            raise MissingRequiredParameterException(f"The parameter {missing} is required.")
        return params

    def serialize(self, operation: str, result: OperationResult, request_id: str) -> WireResponse:
        chosen = _chosen.get()
        if chosen == JSON:
            return self._json.serialize(operation, result.members)
        codec = self._cbor if chosen == CBOR else self._query
        return codec.serialize(operation, result.members, request_id)

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        chosen = _chosen.get()
        if chosen != JSON:
            codec = self._cbor if chosen == CBOR else self._query
            return codec.serialize_error(error, request_id)
        info = error_info(self._model, error)
        name = info.shape.name if info.shape is not None else error.wire_type
        fault = "Sender" if info.sender else "Receiver"
        return self._json.serialize_error(info.status, name, info.message, info.code, fault)


def missing_member(shape: Shape, params: Mapping[str, Any], prefix: str) -> str | None:
    """The first required member absent, named as AWS names it in every protocol (the
    query form's `MetricData.member.1.MetricName`)."""
    for name, member in shape.members.items():
        value = params.get(name)
        if value is None:
            if name in shape.required_members:
                return f"{prefix}{name}"
            continue
        found = _missing_in(member, value, prefix + name)
        if found is not None:
            return found
    return None


def _missing_in(shape: Shape, value: Any, path: str) -> str | None:
    if shape.type_name == "structure" and isinstance(value, Mapping):
        return missing_member(shape, value, path + ".")
    if shape.type_name == "list" and isinstance(value, list):
        element: Shape = shape.member
        for index, item in enumerate(value, 1):
            if element.type_name == "structure" and isinstance(item, Mapping):
                found = missing_member(element, item, f"{path}.member.{index}.")
                if found is not None:
                    return found
    return None


__all__ = ["CloudWatchCodec", "MissingRequiredParameterException", "missing_member"]
