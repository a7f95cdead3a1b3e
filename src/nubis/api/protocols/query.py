"""The AWS query protocol (STS, IAM, SNS, CloudWatch's older form): form-encoded requests
with `Action` and `Version`, XML responses.

Requests are what botocore's `QuerySerializer` sends: `Action=<Op>&Version=<api>` plus
the input flattened into dotted keys. A structure member is `Prefix.Name` (its
locationName), a list is `Name.member.N` (the element's locationName instead of
`member`), or `Name.N` when flattened (the element's locationName replaces the last
part), an empty list is `Name=`; a map is `Name.entry.N.key`/`.value` (the key's and
value's locationNames; no `entry` when flattened). Booleans are `true`/`false`, blobs
base64, timestamps ISO 8601 unless the member's `timestampFormat` says otherwise.
The form comes from a POST body and/or the query string (GET); the body wins.

Responses are what botocore's `QueryParser` reads:

    <OpResponse xmlns="<model xmlNamespace>">
      <OpResult>...output members (xml.py)...</OpResult>     (the operation's resultWrapper)
      <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata>
    </OpResponse>

and errors, with the model's code, status and fault for modeled errors:

    <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>NoSuchEntity</Code>
      <Message>...</Message>...modeled fields...</Error><RequestId>id</RequestId></ErrorResponse>

`ec2` is a different protocol (no `member`, capitalised names) and is not handled here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from nubis.api.protocols import WireRequest
from nubis.api.protocols import errors as err
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.shapes import (
    Shape,
    error_info,
    from_text,
    load_service,
    member_fields,
)
from nubis.api.protocols.xml import to_document, write_members
from nubis.model.errors import NubisError

CONTENT_TYPE_XML = "text/xml"
REQUEST_ID_HEADER = "x-amzn-RequestId"
CONTENT_TYPE_HEADER = "Content-Type"
ACTION = "Action"


class _Missing:
    """Marks a member absent from the form (None is never a form value)."""


_MISSING = _Missing()


class _Form:
    """The flat form (`key -> last value`) and every dotted prefix of its keys, so that
    a walk of a (possibly recursive) shape descends only where the form has data."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.values = dict(pairs)
        self.prefixes: set[str] = set()
        for key in self.values:
            parts = key.split(".")
            for end in range(1, len(parts)):
                self.prefixes.add(".".join(parts[:end]))

    def has(self, prefix: str) -> bool:
        return prefix in self.values or prefix in self.prefixes


class QueryCodec:
    """The query protocol of one service (`Codec`). Immutable; thread-safe."""

    protocol = "query"

    def __init__(self, service: str) -> None:
        self._model = load_service(service)
        self.service_name = service
        self.api_version: str = self._model.metadata["apiVersion"]
        self.namespace: str | None = self._model.metadata.get("xmlNamespace")
        self._operations = frozenset(self._model.operation_names)

    def operation(self, request: WireRequest) -> str:
        action = _form(request).values.get(ACTION)
        if not action:
            raise err.MissingAction(err.MSG_MISSING_ACTION)
        if action not in self._operations:
            raise err.InvalidAction(
                err.with_detail(err.MSG_INVALID_ACTION, f"{action} for version {self.api_version}")
            )
        return action

    def parse(self, operation: str, request: WireRequest) -> dict[str, Any]:
        shape = self._model.operation_model(operation).input_shape
        if shape is None:
            return {}
        value = _read(shape, "", _form(request))
        return value if isinstance(value, dict) else {}

    def serialize(self, operation: str, output: Mapping[str, Any], request_id: str) -> WireResponse:
        shape = self._model.operation_model(operation).output_shape
        root = self._root(f"{operation}Response")
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{operation}Result")
            write_members(ElementTree.SubElement(root, wrapper), shape, output)
        metadata = ElementTree.SubElement(root, "ResponseMetadata")
        ElementTree.SubElement(metadata, "RequestId").text = request_id
        return self._response(200, root, request_id)

    def serialize_error(self, error: NubisError, request_id: str) -> WireResponse:
        info = error_info(self._model, error)
        root = self._root("ErrorResponse")
        element = ElementTree.SubElement(root, "Error")
        ElementTree.SubElement(element, "Type").text = "Sender" if info.sender else "Receiver"
        ElementTree.SubElement(element, "Code").text = info.code
        ElementTree.SubElement(element, "Message").text = info.message
        if info.shape is not None:
            write_members(element, info.shape, member_fields(info.shape, info.fields))
        ElementTree.SubElement(root, "RequestId").text = request_id
        return self._response(info.status, root, request_id)

    def _root(self, name: str) -> ElementTree.Element:
        root = ElementTree.Element(name)
        if self.namespace:
            root.set("xmlns", self.namespace)
        return root

    def _response(self, status: int, root: ElementTree.Element, request_id: str) -> WireResponse:
        headers = {CONTENT_TYPE_HEADER: CONTENT_TYPE_XML, REQUEST_ID_HEADER: request_id}
        return WireResponse(status, headers, to_document(root))


def _form(request: WireRequest) -> _Form:
    return _form_of(request.query, request.body)


# `operation` and then `parse` read the same request: the second reading is a cache hit.
# Keyed by value (the form is immutable once built), so threads may share it.
@functools.lru_cache(maxsize=8)  # a few bodies in flight; bounds the memory held
def _form_of(query: str, raw: bytes) -> _Form:
    try:
        body = raw.decode()
    except UnicodeDecodeError as exc:
        raise err.MalformedQueryString(err.with_detail(err.MSG_MALFORMED_QUERY, str(exc))) from exc
    pairs = parse_qsl(query, keep_blank_values=True)
    pairs += parse_qsl(body, keep_blank_values=True)
    return _Form(pairs)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _read(shape: Shape, prefix: str, form: _Form) -> Any:
    """The value of `shape` at `prefix` in the form, or _MISSING."""
    kind = shape.type_name
    if kind == "structure":
        if prefix and prefix not in form.prefixes:
            return _MISSING
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            value = _read(member, _join(prefix, member.serialization.get("name", name)), form)
            if value is not _MISSING:
                out[name] = value
        return out if out or not prefix else _MISSING
    if kind == "list":
        return _read_list(shape, prefix, form)
    if kind == "map":
        return _read_map(shape, prefix, form)
    text = form.values.get(prefix)
    if text is None:
        return _MISSING
    return _scalar(shape, prefix, text)


def _read_list(shape: Shape, prefix: str, form: _Form) -> Any:
    if form.values.get(prefix) == "":
        return []
    element_name = shape.member.serialization.get("name")
    if shape.serialization.get("flattened"):
        # botocore names a flattened list's items by the element's locationName, in
        # place of the member's own name.
        base = prefix if not element_name else ".".join([*prefix.split(".")[:-1], element_name])
    else:
        base = f"{prefix}.{element_name or 'member'}"
    items: list[Any] = []
    while True:
        key = f"{base}.{len(items) + 1}"
        if not form.has(key):
            break
        item = _read(shape.member, key, form)
        items.append(None if item is _MISSING else item)
    return items if items else _MISSING


def _read_map(shape: Shape, prefix: str, form: _Form) -> Any:
    base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    index = 1
    while (key := form.values.get(f"{base}.{index}.{key_name}")) is not None:
        value = _read(shape.value, f"{base}.{index}.{value_name}", form)
        out[key] = None if value is _MISSING else value
        index += 1
    return out if out else _MISSING


def _scalar(shape: Shape, key: str, text: str) -> Any:
    try:
        return from_text(shape, text)
    except ValueError as exc:
        raise err.InvalidParameterValue(
            err.with_detail(err.MSG_INVALID_VALUE, f"value {text!r} for {key}: {exc}")
        ) from exc
