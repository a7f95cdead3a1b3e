"""The AWS REST-JSON wire layer: requests to input dicts, output dicts to responses.

Everything comes from botocore's service model (routes, member locations, types,
constraints); nothing here names a Lambda operation. `RestJsonService` compiles the model
once (`json_shapes`, `rest_routes`), then each request costs a dict walk:

    match(method, path)         -> operation, uri labels        (rest_routes)
    parse(op, uri, query, headers, body) -> input params, validated (json_validate)
    serialize(op, output)       -> WireResponse
    serialize_error(err, rid)   -> WireResponse that botocore parses back into Code/Message

Errors raised: UnknownOperationException (no route), InvalidRequestContentException (body
is not the JSON the operation needs), ValidationException (a model constraint is broken).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import botocore.loaders

from nubis.api import constants
from nubis.api.protocols.json_shapes import Member, Node, build_nodes
from nubis.api.protocols.json_validate import validate
from nubis.api.protocols.json_values import from_json, from_string, to_header, to_json
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.rest_routes import Router, compile_route, query_values
from nubis.model.errors import (
    InvalidRequestContentException,
    NubisError,
    UnknownOperationException,
)


@dataclass(frozen=True, slots=True)
class _Operation:
    """Per-operation member tables, split by location once at load."""

    name: str
    response_code: int
    input: Node | None
    uri: tuple[Member, ...]
    query: tuple[Member, ...]
    headers: tuple[tuple[Member, str], ...]  # (member, lower-cased header name)
    prefix_headers: tuple[tuple[Member, str], ...]
    payload: Member | None
    body: tuple[Member, ...]
    output: Node | None
    out_status: Member | None
    out_headers: tuple[Member, ...]
    out_prefix_headers: tuple[Member, ...]
    out_payload: Member | None
    out_body: tuple[Member, ...]


class RestJsonService:
    """One REST-JSON service (default: Lambda) compiled from botocore's model.

    `overlay` adds constraints per shape name on top of the model, e.g.
    ``{"Timeout": {"max": 900}, "MemorySize": {"max": 10240}}``. Immutable after
    construction; every method is safe to call concurrently.
    """

    def __init__(
        self, service: str = "lambda", overlay: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
        protocol = model["metadata"].get("protocol")
        if protocol != "rest-json":
            raise ValueError(f"{service} speaks {protocol}, not rest-json")
        self.service = service
        self.api_version: str = model["metadata"]["apiVersion"]
        self._nodes = build_nodes(model["shapes"], overlay or {})
        self._ops = {name: self._compile(name, spec) for name, spec in model["operations"].items()}
        self._router = Router(
            compile_route(name, spec["http"]) for name, spec in model["operations"].items()
        )

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(self._ops)

    def match(self, method: str, path: str, query: Any = None) -> tuple[str, dict[str, str]]:
        """(operation, uri params percent-decoded) for a request.

        `path` is the raw path, optionally with its query string; pass `query` when the path
        does not carry it (a few operations differ only by a fixed query part).
        """
        return self._router.match(method, path, query)

    def parse(
        self,
        operation: str,
        uri_params: Mapping[str, str],
        query: Any,
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        """The operation's input params keyed by model member names, validated."""
        op = self._operation(operation)
        params: dict[str, Any] = {}
        for member in op.uri:
            raw = uri_params.get(member.wire_name)
            if raw is not None:
                params[member.name] = from_string(member, raw, "querystring")
        if op.query:
            _parse_query(op, query, params)
        if op.headers or op.prefix_headers:
            _parse_headers(op, headers, params)
        if op.payload is not None or op.body:
            _parse_body(op, body, params)
        if op.input is not None:
            validate(op.input, params)
        return params

    def serialize(
        self, operation: str, output: Mapping[str, Any], status: int | None = None
    ) -> WireResponse:
        """The HTTP response for an operation's output dict (member names of its output shape)."""
        op = self._operation(operation)
        headers: dict[str, str] = {}
        if status is None:
            code = output.get(op.out_status.name) if op.out_status is not None else None
            status = int(code) if code is not None else op.response_code
        for member in op.out_headers:
            item = output.get(member.name)
            if item is not None:
                headers[member.wire_name] = to_header(member, item)
        for member in op.out_prefix_headers:
            for key, item in (output.get(member.name) or {}).items():
                headers[member.wire_name + key] = str(item)
        if status in constants.BODILESS_STATUSES:
            return WireResponse(status, headers, b"")
        headers[constants.CONTENT_TYPE_HEADER] = constants.CONTENT_TYPE_JSON
        if op.out_payload is not None:
            item = output.get(op.out_payload.name)
            if op.out_payload.node.type in ("blob", "string"):
                if item is None:
                    body = b""
                elif isinstance(item, str):
                    body = item.encode()
                else:
                    body = bytes(item)
            else:
                body = _dump_json(to_json(op.out_payload.node, item) if item is not None else {})
            return WireResponse(status, headers, body)
        document = {}
        for member in op.out_body:
            item = output.get(member.name)
            if item is not None:
                document[member.wire_name] = to_json(member.node, item)
        return WireResponse(status, headers, _dump_json(document))

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        """Error response: botocore reads Code from x-amzn-errortype, Message from the body.

        Fields the model's error shape puts in headers (TooManyRequestsException's
        `retryAfterSeconds` -> Retry-After) go there; the rest stay in the JSON body, where
        botocore's modeled-error parsing finds them (`Reason`, `Type`).
        """
        body = error.body()
        headers = {
            constants.ERROR_TYPE_HEADER: error.wire_type,
            constants.REQUEST_ID_HEADER: request_id,
            constants.CONTENT_TYPE_HEADER: constants.CONTENT_TYPE_JSON,
        }
        shape = self._nodes.get(error.wire_type)
        if shape is not None and shape.type == "structure":
            for member in shape.members:
                # The model spells the message `Message` for some errors (ResourceNotFound,
                # Service) and `message` for others; Lambda sends the modeled spelling.
                for key in [
                    k for k in body if k != member.name and k.lower() == member.name.lower()
                ]:
                    body[member.name] = body.pop(key)
                if member.location == "header" and body.get(member.name) is not None:
                    headers[member.wire_name] = to_header(member, body.pop(member.name))
        return WireResponse(error.status, headers, _dump_json(body))

    def _operation(self, operation: str) -> _Operation:
        try:
            return self._ops[operation]
        except KeyError:
            raise UnknownOperationException(
                constants.MSG_UNKNOWN_OPERATION.format(operation=operation)
            ) from None

    def _compile(self, name: str, spec: Mapping[str, Any]) -> _Operation:
        inp = self._nodes[spec["input"]["shape"]] if "input" in spec else None
        out = self._nodes[spec["output"]["shape"]] if "output" in spec else None
        ins = inp.members if inp is not None else ()
        outs = out.members if out is not None else ()
        payload = _payload(inp)
        out_payload = _payload(out)
        return _Operation(
            name=name,
            response_code=int(spec["http"].get("responseCode", 200)),
            input=inp,
            uri=tuple(m for m in ins if m.location == "uri"),
            query=tuple(m for m in ins if m.location == "querystring"),
            headers=tuple((m, m.wire_name.lower()) for m in ins if m.location == "header"),
            prefix_headers=tuple((m, m.wire_name.lower()) for m in ins if m.location == "headers"),
            payload=payload,
            body=tuple(m for m in ins if m.location is None and payload is None),
            output=out,
            out_status=next((m for m in outs if m.location == "statusCode"), None),
            out_headers=tuple(m for m in outs if m.location == "header"),
            out_prefix_headers=tuple(m for m in outs if m.location == "headers"),
            out_payload=out_payload,
            out_body=tuple(m for m in outs if m.location is None and out_payload is None),
        )


def _parse_query(op: _Operation, query: Any, params: dict[str, Any]) -> None:
    for member in op.query:
        if member.node.type == "map":
            bound = {m.wire_name for m in op.query if m is not member}
            params[member.name] = {
                k: query_values(query, k)[0] for k in (query or {}) if k not in bound
            }
            continue
        values = query_values(query, member.wire_name)
        if not values:
            continue
        if member.node.type == "list" and member.node.member is not None:
            element = member.node.member
            params[member.name] = [
                from_string(_as_member(element, member), v, "querystring") for v in values
            ]
        else:
            params[member.name] = from_string(member, values[0], "querystring")


def _parse_headers(op: _Operation, headers: Mapping[str, str], params: dict[str, Any]) -> None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for member, name in op.headers:
        raw = lowered.get(name)
        if raw is not None:
            params[member.name] = from_string(member, raw, "header")
    for member, prefix in op.prefix_headers:
        found = {k[len(prefix) :]: v for k, v in lowered.items() if k.startswith(prefix)}
        if found:
            params[member.name] = found


def _parse_body(op: _Operation, body: bytes, params: dict[str, Any]) -> None:
    if op.payload is not None:
        kind = op.payload.node.type
        if kind == "blob":
            if body:
                params[op.payload.name] = bytes(body)
        elif kind == "string":
            if body:
                params[op.payload.name] = _decode_text(body)
        elif body.strip():
            params[op.payload.name] = from_json(op.payload.node, _load_json(body))
        return
    if not body.strip():
        return
    document = _load_json(body)
    if not isinstance(document, dict):
        raise InvalidRequestContentException(
            constants.MSG_BAD_JSON.format(detail="the body is not a JSON object")
        )
    for member in op.body:
        item = document.get(member.wire_name)
        if item is not None:
            params[member.name] = from_json(member.node, item)


def _payload(node: Node | None) -> Member | None:
    if node is None or node.payload is None:
        return None
    return next(m for m in node.members if m.name == node.payload)


def _as_member(node: Node, owner: Member) -> Member:
    return Member(
        name=owner.name,
        node=node,
        location=owner.location,
        wire_name=owner.wire_name,
        path_name=owner.path_name,
        sensitive=owner.sensitive,
        jsonvalue=False,
        timestamp_format=node.timestamp_format,
    )


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestContentException(constants.MSG_BAD_JSON.format(detail=exc)) from exc
    except RecursionError as exc:  # json's C scanner stops at the interpreter's limit
        raise InvalidRequestContentException(constants.MSG_TOO_DEEP) from exc


def _decode_text(body: bytes) -> str:
    try:
        return body.decode()
    except UnicodeDecodeError as exc:
        raise InvalidRequestContentException(constants.MSG_BAD_JSON.format(detail=exc)) from exc


def _dump_json(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
