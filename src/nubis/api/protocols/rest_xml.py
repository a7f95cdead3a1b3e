"""The AWS REST-XML protocol (S3 as the test bed; also Route 53, CloudFront).

Requests are what botocore's `RestXMLSerializer` sends, path style
(`/{Bucket}/{Key+}`; virtual-hosted buckets are the gateway's to rewrite): members
bound by `location` to the URI (`{Label}`, greedy `{Key+}` may hold `/`), the query
string, headers (timestamps RFC 822, lists comma separated with quoted items,
`jsonvalue` base64 JSON) or header maps (`x-amz-meta-` prefix); the rest is the body:
the `payload` member (raw bytes for a blob/streaming payload, text for a string, XML for
a structure) or, without one, an XML document of the body members.

Several S3 operations share a method and path (PutObject, CopyObject, UploadPart and
UploadPartCopy are all `PUT /{Bucket}/{Key+}`). They are told apart the way the model
allows: the operation whose required header and query members are all present wins,
the one with the most of them first, non-deprecated ones before deprecated ones.

Responses are what botocore's `RestXMLParser` reads: the status (`statusCode` member or
the operation's `responseCode`), header members, and the payload or an XML document of
the body members; errors are S3's `<Error><Code/><Message/>..fields..<RequestId/></Error>`
with the model's code and status for modeled errors.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.etree import ElementTree

from nubis.api.protocols import WireRequest
from nubis.api.protocols import errors as err
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.rest_routes import Route, Router, compile_route
from nubis.api.protocols.shapes import (
    Shape,
    error_info,
    from_text,
    load_service,
    member_fields,
    to_text,
)
from nubis.api.protocols.xml import (
    add_namespace,
    from_xml,
    parse_document,
    read_members,
    to_document,
    to_xml,
    write_members,
)
from nubis.model.errors import NubisError, UnknownOperationException

CONTENT_TYPE_HEADER = "Content-Type"
CONTENT_TYPE_XML = "application/xml"
REQUEST_ID_HEADER = "x-amz-request-id"
HOST_ID_HEADER = "x-amz-id-2"


class RestXmlCodec:
    """The rest-xml protocol of one service (`Codec`). Immutable; thread-safe."""

    protocol = "rest-xml"

    def __init__(self, service: str) -> None:
        self._model = load_service(service)
        self.service_name = service
        self.namespace = self._model.metadata.get("xmlNamespace") or _declared_namespace(
            self._model
        )
        self._routes: dict[str, Route] = {}
        self._groups: dict[tuple[str, str], list[str]] = {}
        for name in self._model.operation_names:
            route = compile_route(name, self._model.operation_model(name).http)
            self._routes[name] = route
            self._groups.setdefault((route.method, route.template), []).append(name)
        # The router sees one operation per (method, path template); `_pick` chooses
        # among the operations that share it.
        self._router = Router(self._routes[names[0]] for names in self._groups.values())

    def operation(self, request: WireRequest) -> str:
        query = parse_qs(request.query, keep_blank_values=True)
        try:
            found, _ = self._router.match(request.method, request.path, query)
        except UnknownOperationException as exc:
            raise err.MethodNotAllowed(
                err.with_detail(err.MSG_METHOD_NOT_ALLOWED, exc.message)
            ) from exc
        route = self._routes[found]
        return self._pick(self._groups[(route.method, route.template)], request, query)

    def parse(self, operation: str, request: WireRequest) -> dict[str, Any]:
        shape = self._model.operation_model(operation).input_shape
        if shape is None:
            return {}
        labels = self._labels(operation, request.path)
        query = parse_qs(request.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in request.headers.items()}
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            value = _located(member, name, labels, query, headers, shape)
            if value is not None:
                params[name] = value
        params.update(_body(shape, request.body))
        return params

    def serialize(self, operation: str, output: Mapping[str, Any], request_id: str) -> WireResponse:
        op = self._model.operation_model(operation)
        shape = op.output_shape
        status = int(op.http.get("responseCode", 200))
        headers = {REQUEST_ID_HEADER: request_id, HOST_ID_HEADER: request_id}
        if shape is None:
            return WireResponse(status, headers, b"")
        for name, member in shape.members.items():
            value = output.get(name)
            location = member.serialization.get("location")
            if value is None or location is None:
                continue
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers[member.serialization.get("name", name)] = _header_text(member, value)
            elif location == "headers":
                prefix = member.serialization.get("name", "")
                headers.update({prefix + k: str(v) for k, v in value.items()})
        return WireResponse(status, headers, self._body(shape, output, headers))

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        info = error_info(self._model, error)
        root = ElementTree.Element("Error")
        ElementTree.SubElement(root, "Code").text = info.code
        ElementTree.SubElement(root, "Message").text = info.message
        if info.shape is not None:
            write_members(root, info.shape, member_fields(info.shape, info.fields))
        ElementTree.SubElement(root, "RequestId").text = request_id
        headers = {
            CONTENT_TYPE_HEADER: CONTENT_TYPE_XML,
            REQUEST_ID_HEADER: request_id,
            HOST_ID_HEADER: request_id,
        }
        return WireResponse(info.status, headers, to_document(root))

    def _pick(self, names: list[str], request: WireRequest, query: Mapping[str, Any]) -> str:
        if len(names) == 1:
            return names[0]
        present = {("header", k.lower()) for k in request.headers}
        present |= {("querystring", k) for k in query}
        best: tuple[int, int, int] | None = None
        chosen = names[0]
        for order, name in enumerate(names):
            op = self._model.operation_model(name)
            needed = _required_located(op.input_shape)
            if not needed <= present:
                continue
            rank = (len(needed), 0 if op.deprecated else 1, -order)
            if best is None or rank > best:
                best, chosen = rank, name
        return chosen

    def _labels(self, operation: str, path: str) -> dict[str, str]:
        route = self._routes[operation]
        found = route.regex.fullmatch(path)
        if found is None:
            raise err.MethodNotAllowed(
                err.with_detail(err.MSG_METHOD_NOT_ALLOWED, f"{path} is not {route.template}")
            )
        return {
            label: unquote(value) for label, value in zip(route.labels, found.groups(), strict=True)
        }

    def _body(self, shape: Shape, output: Mapping[str, Any], headers: dict[str, str]) -> bytes:
        payload = shape.serialization.get("payload")
        if payload is not None:
            member = shape.members[payload]
            value = output.get(payload)
            if value is None:
                return b""
            if member.type_name in ("blob", "string"):
                return value.encode() if isinstance(value, str) else bytes(value)
            root = ElementTree.Element("_")  # a holder; the payload is its one child
            to_xml(root, member, value, member.serialization.get("name", member.name))
            document = root[0]
        else:
            if not any(
                output.get(n) is not None and "location" not in m.serialization
                for n, m in shape.members.items()
            ):
                return b""
            document = ElementTree.Element(shape.serialization.get("name", shape.name))
            add_namespace(shape, document)
            write_members(document, shape, output)
        if "xmlns" not in document.attrib and self.namespace:
            document.set("xmlns", self.namespace)
        headers[CONTENT_TYPE_HEADER] = CONTENT_TYPE_XML
        return to_document(document)


def _declared_namespace(model: Any) -> str | None:
    """The namespace the model's input payloads declare (S3 names none in its metadata
    but puts `http://s3.amazonaws.com/doc/2006-03-01/` on every XML payload)."""
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if payload is None:
            continue
        spec = shape.members[payload].serialization.get("xmlNamespace")
        if isinstance(spec, Mapping) and not spec.get("prefix"):
            return str(spec["uri"])
    return None


def _required_located(shape: Shape | None) -> set[tuple[str, str]]:
    """(location, wire key) of the required header (lower-cased) and query members."""
    if shape is None:
        return set()
    out = set()
    for name in shape.required_members:
        serialization = shape.members[name].serialization
        location = serialization.get("location")
        key = serialization.get("name", name)
        if location == "header":
            out.add((location, key.lower()))
        elif location == "querystring":
            out.add((location, key))
    return out


def _located(
    member: Shape,
    name: str,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    shape: Shape,
) -> Any:
    serialization = member.serialization
    location = serialization.get("location")
    key = serialization.get("name", name)
    if location == "uri":
        return None if key not in labels else _convert(member, labels[key], "iso8601", key)
    if location == "querystring":
        return _from_query(member, key, query, shape)
    if location == "header":
        text = headers.get(key.lower())
        return None if text is None else _from_header(member, text, key)
    if location == "headers":
        prefix = key.lower()
        found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
        return found or None
    return None


def _from_query(member: Shape, key: str, query: Mapping[str, list[str]], shape: Shape) -> Any:
    if member.type_name == "map":
        bound = {
            m.serialization.get("name", n)
            for n, m in shape.members.items()
            if m.serialization.get("location") == "querystring"
        } - {key}
        found = {k: v[0] for k, v in query.items() if k not in bound}
        return found or None
    values = query.get(key)
    if not values:
        return None
    if member.type_name == "list":
        return [_convert(member.member, v, "iso8601", key) for v in values]
    return _convert(member, values[0], "iso8601", key)


def _from_header(member: Shape, text: str, key: str) -> Any:
    if member.type_name == "list":
        return [_convert(member.member, part, "rfc822", key) for part in _split_list(text)]
    if member.type_name == "string" and member.serialization.get("jsonvalue"):
        try:
            return json.loads(base64.b64decode(text))
        except ValueError as exc:
            raise err.InvalidArgument(f"header {key} is not base64 JSON: {exc}") from exc
    return _convert(member, text, "rfc822", key)


def _split_list(text: str) -> list[str]:
    """A header list: items separated by commas; an item with a comma or quote is quoted
    (`"a,b"`, inner quotes as `\\"`), as botocore writes it."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return items


def _convert(shape: Shape, text: str, default_timestamp: str, key: str) -> Any:
    try:
        return from_text(shape, text, default_timestamp)
    except ValueError as exc:
        raise err.InvalidArgument(f"Invalid value {text!r} for {key}: {exc}") from exc


def _body(shape: Shape, body: bytes) -> dict[str, Any]:
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if member.type_name == "blob":
            return {payload: bytes(body)} if body else {}
        if member.type_name == "string":
            try:
                return {payload: body.decode()} if body else {}
            except UnicodeDecodeError as exc:
                raise err.InvalidArgument(f"the {payload} body is not UTF-8: {exc}") from exc
        if not body.strip():
            return {}
        return {payload: _xml(lambda root: from_xml(member, root), body)}
    if not body.strip():
        return {}
    return dict(_xml(lambda root: read_members(shape, root), body))


def _xml(read: Any, body: bytes) -> Any:
    try:
        return read(parse_document(body))
    except ValueError as exc:
        raise err.MalformedXML(err.with_detail(err.MSG_MALFORMED_XML, str(exc))) from exc


def _header_text(member: Shape, value: Any) -> str:
    if member.type_name == "list":
        return ",".join(_quote(_header_text(member.member, v)) for v in value)
    if member.type_name == "string" and member.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()
    if member.type_name == "timestamp" and isinstance(value, datetime):
        return to_text(member, value.replace(microsecond=0), "rfc822")
    return to_text(member, value)


def _quote(item: str) -> str:
    if '"' in item or "," in item:
        return '"' + item.replace('"', '\\"') + '"'
    return item
