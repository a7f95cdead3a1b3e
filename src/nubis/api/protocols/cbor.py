"""The Smithy RPC v2 CBOR protocol (`smithy-rpc-v2-cbor`; CloudWatch's first protocol).

Requests are what botocore's `RpcV2CBORSerializer` sends: `POST
/service/<targetPrefix>/operation/<Op>` with `smithy-protocol: rpc-v2-cbor` and the
input as one CBOR map keyed by member names. Timestamps are tag 1 (epoch seconds, int
or float), blobs byte strings, lists arrays, maps and structures maps; nulls are
dropped. Responses carry the same header, `Content-Type: application/cbor` and a CBOR
map (what `RpcV2CBORParser` reads); errors are a map with `__type`
(`<namespace>#<ShapeName>`) and `message`, and for a query-compatible model (CloudWatch)
also `x-amzn-query-error: <Code>;Sender|Receiver`, from which botocore takes the code.

CBOR itself is cbor2's (decoding, with its limits on nesting and lengths, and encoding);
this module only maps values to and from the model's shapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import cbor2

from nubis.api.protocols import WireRequest
from nubis.api.protocols import errors as err
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.shapes import Shape, error_info, load_service, member_fields
from nubis.model.errors import NubisError, UnknownOperationException

PROTOCOL_HEADER = "smithy-protocol"
PROTOCOL_VALUE = "rpc-v2-cbor"
CONTENT_TYPE_HEADER = "Content-Type"
CONTENT_TYPE_CBOR = "application/cbor"
REQUEST_ID_HEADER = "x-amzn-RequestId"
QUERY_ERROR_HEADER = "x-amzn-query-error"
TIMESTAMP_TAG = 1
MSG_UNKNOWN_OPERATION = "Unknown operation {operation}"

# Smithy allows a prefix before /service/ (an endpoint may be mounted under a path).
_PATH = re.compile(r"(?:/.*)?/service/([^/]+)/operation/([^/]+)")


class CborCodec:
    """The rpc-v2-cbor protocol of one service (`Codec`). Immutable; thread-safe."""

    protocol = "smithy-rpc-v2-cbor"

    def __init__(self, service: str) -> None:
        self._model = load_service(service)
        self.service_name = service
        meta = self._model.metadata
        self.target: str = meta["targetPrefix"]
        self.namespace = f"com.amazonaws.{meta.get('endpointPrefix', service)}"
        self.query_compatible = "awsQueryCompatible" in meta
        self._operations = frozenset(self._model.operation_names)

    def operation(self, request: WireRequest) -> str:
        found = _PATH.fullmatch(request.path)
        if (
            request.method.upper() != "POST"
            or found is None
            or found.group(1) != self.target
            or found.group(2) not in self._operations
        ):
            raise UnknownOperationException(
                MSG_UNKNOWN_OPERATION.format(operation=f"{request.method} {request.path}")
            )
        return found.group(2)

    def parse(self, operation: str, request: WireRequest) -> dict[str, Any]:
        shape = self._model.operation_model(operation).input_shape
        if shape is None or not request.body:
            return {}
        try:
            document = cbor2.loads(request.body)
        except (cbor2.CBORDecodeError, ValueError, OverflowError) as exc:
            raise _bad(str(exc)) from exc
        value = _from_cbor(shape, document, shape.name)
        return value if isinstance(value, dict) else {}

    def serialize(self, operation: str, output: Mapping[str, Any], request_id: str) -> WireResponse:
        shape = self._model.operation_model(operation).output_shape
        document = _to_cbor(shape, output) if shape is not None else {}
        return self._response(200, document, request_id, {})

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        info = error_info(self._model, error)
        name = info.shape.name if info.shape is not None else error.wire_type
        document: dict[str, Any] = {"__type": f"{self.namespace}#{name}", "message": info.message}
        if info.shape is not None:
            document.update(_to_cbor(info.shape, member_fields(info.shape, info.fields)))
        extra = {}
        if self.query_compatible:
            fault = "Sender" if info.sender else "Receiver"
            extra[QUERY_ERROR_HEADER] = f"{info.code};{fault}"
        return self._response(info.status, document, request_id, extra)

    def _response(
        self, status: int, document: Any, request_id: str, extra: dict[str, str]
    ) -> WireResponse:
        headers = {
            PROTOCOL_HEADER: PROTOCOL_VALUE,
            CONTENT_TYPE_HEADER: CONTENT_TYPE_CBOR,
            REQUEST_ID_HEADER: request_id,
            **extra,
        }
        return WireResponse(status, headers, cbor2.dumps(document))


def _bad(detail: str) -> err.SerializationException:
    return err.SerializationException(err.with_detail(err.MSG_BAD_CBOR, detail))


def _from_cbor(shape: Shape, value: Any, path: str) -> Any:
    """The Python value of `shape` from decoded CBOR; SerializationException otherwise."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _bad(f"expected a map at {path}")
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            item = value.get(name, value.get(member.serialization.get("name", name)))
            if item is not None:
                out[name] = _from_cbor(member, item, f"{path}.{name}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _bad(f"expected an array at {path}")
        return [None if v is None else _from_cbor(shape.member, v, path) for v in value]
    if kind == "map":
        if not isinstance(value, dict):
            raise _bad(f"expected a map at {path}")
        return {
            k: None if v is None else _from_cbor(shape.value, v, f"{path}.{k}")
            for k, v in value.items()
        }
    return _scalar(kind, value, path)


def _scalar(kind: str, value: Any, path: str) -> Any:
    if kind == "timestamp":
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC)
    elif kind == "blob":
        if isinstance(value, bytes):
            return value
    elif kind == "string":
        if isinstance(value, str):
            return value
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
    elif kind in ("integer", "long"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind in ("float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    else:
        return value
    raise _bad(f"expected a {kind} at {path}, got {type(value).__name__}")


def _to_cbor(shape: Shape, value: Any) -> Any:
    """A Python value of `shape` as what cbor2 encodes the way RpcV2CBORParser reads."""
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _to_cbor(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list":
        return [None if v is None else _to_cbor(shape.member, v) for v in value]
    if kind == "map":
        return {k: None if v is None else _to_cbor(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        seconds = aware.timestamp()
        return cbor2.CBORTag(TIMESTAMP_TAG, int(seconds) if seconds.is_integer() else seconds)
    if kind == "blob":
        return value.encode() if isinstance(value, str) else bytes(value)
    if kind in ("float", "double"):
        return float(value)
    return value
