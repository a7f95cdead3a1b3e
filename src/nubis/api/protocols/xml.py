"""XML bodies by shape, for the query protocol's responses and rest-xml's payloads.

`to_xml` writes what botocore's XML parsers (`BaseXMLResponseParser`) read back:
structures as elements named by member locationName, lists wrapped (`<member>` or the
member's locationName) unless `flattened`, maps as `<entry><key/><value/></entry>` (or
flattened pairs), `xmlAttribute` members as attributes, `xmlNamespace` as `xmlns`.
`from_xml` reads what botocore's `RestXMLSerializer` writes and accepts both spellings
of a flattened list's name (the serializer's and the parser's differ when a flattened
list's member has its own locationName). Namespaces of incoming tags are ignored, as
botocore does. Documents with a DTD are refused: no entity is ever expanded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from nubis.api.protocols.shapes import Shape, from_text, to_text

# Members that live outside the body in the rest protocols; never written into XML.
_BOUND = frozenset({"header", "headers", "statusCode", "uri", "querystring"})


def member_xml_name(shape: Shape, member_name: str) -> str:
    """A member's element name, as botocore's parser looks it up: a flattened list is
    named by its element's locationName when it has one."""
    if shape.type_name == "list" and shape.serialization.get("flattened"):
        inner = shape.member.serialization.get("name")
        if inner is not None:
            return str(inner)
    return str(shape.serialization.get("name", member_name))


def add_namespace(shape: Shape, element: ElementTree.Element) -> None:
    spec = shape.serialization.get("xmlNamespace")
    if isinstance(spec, Mapping):
        prefix = spec.get("prefix")
        element.set(f"xmlns:{prefix}" if prefix else "xmlns", spec["uri"])
    elif isinstance(spec, str):
        element.set("xmlns", spec)


def to_xml(parent: ElementTree.Element, shape: Shape, value: Any, name: str) -> None:
    """Append `value` of `shape` to `parent` as element(s) called `name`."""
    kind = shape.type_name
    if kind == "structure":
        element = ElementTree.SubElement(parent, name)
        add_namespace(shape, element)
        write_members(element, shape, value)
    elif kind == "list":
        item_shape = shape.member
        if shape.serialization.get("flattened"):
            for item in value:
                to_xml(parent, item_shape, item, name)
            return
        wrapper = ElementTree.SubElement(parent, name)
        add_namespace(shape, wrapper)
        item_name = item_shape.serialization.get("name", "member")
        for item in value:
            to_xml(wrapper, item_shape, item, item_name)
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flattened = bool(shape.serialization.get("flattened"))
        holder = parent if flattened else ElementTree.SubElement(parent, name)
        for key, item in value.items():
            entry = ElementTree.SubElement(holder, name if flattened else "entry")
            to_xml(entry, shape.key, key, key_name)
            to_xml(entry, shape.value, item, value_name)
    else:
        element = ElementTree.SubElement(parent, name)
        element.text = to_text(shape, value)
        add_namespace(shape, element)


def write_members(element: ElementTree.Element, shape: Shape, value: Mapping[str, Any]) -> None:
    """A structure's body members (not those bound to headers/uri/status) into `element`."""
    for member_name, member_shape in shape.members.items():
        item = value.get(member_name)
        if item is None or member_shape.serialization.get("location") in _BOUND:
            continue
        if member_shape.serialization.get("xmlAttribute"):
            element.set(member_shape.serialization["name"], to_text(member_shape, item))
            continue
        to_xml(element, member_shape, item, member_xml_name(member_shape, member_name))


def to_document(root: ElementTree.Element) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + ElementTree.tostring(root, encoding="unicode").encode()
    )


def parse_document(body: bytes) -> ElementTree.Element:
    """The root element; ValueError when the body is not XML or declares a DTD."""
    if b"<!DOCTYPE" in body.upper():
        raise ValueError("documents with a DTD are not accepted")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(str(exc)) from exc


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def from_xml(shape: Shape, element: ElementTree.Element) -> Any:
    """The Python value of `shape` from `element`; ValueError for unreadable text."""
    kind = shape.type_name
    if kind == "structure":
        return read_members(shape, element)
    if kind == "list":
        return [from_xml(shape.member, child) for child in element]
    if kind == "map":
        return _read_entries(shape, list(element))
    return from_text(shape, element.text or "")


def read_members(shape: Shape, element: ElementTree.Element) -> dict[str, Any]:
    children: dict[str, list[ElementTree.Element]] = {}
    for child in element:
        children.setdefault(local_name(child.tag), []).append(child)
    out: dict[str, Any] = {}
    for member_name, member_shape in shape.members.items():
        serialization = member_shape.serialization
        if serialization.get("location") in _BOUND:
            continue
        if serialization.get("xmlAttribute"):
            wanted = serialization["name"].split(":")[-1]
            for key, text in element.attrib.items():
                if local_name(key) == wanted:
                    out[member_name] = from_text(member_shape, text)
            continue
        # A flattened list is found under either spelling of its name; an element that
        # an earlier member took is not read again (S3's deprecated notification shapes
        # name a string and a flattened list alike: the first member keeps it).
        names = {member_xml_name(member_shape, member_name), serialization.get("name", member_name)}
        found = next((children.pop(n) for n in names if n in children), None)
        if found:
            out[member_name] = _member_value(member_shape, found)
    return out


def _member_value(shape: Shape, elements: list[ElementTree.Element]) -> Any:
    if shape.serialization.get("flattened"):
        if shape.type_name == "list":
            return [from_xml(shape.member, e) for e in elements]
        if shape.type_name == "map":
            return _read_entries(shape, elements)
    return from_xml(shape, elements[0])


def _read_entries(shape: Shape, entries: list[ElementTree.Element]) -> dict[str, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    for entry in entries:
        parts = {local_name(child.tag): child for child in entry}
        if key_name not in parts:
            raise ValueError(f"a map entry has no <{key_name}>")
        key = from_xml(shape.key, parts[key_name])
        out[key] = from_xml(shape.value, parts[value_name]) if value_name in parts else None
    return out
