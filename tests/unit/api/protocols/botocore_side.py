"""The client side of the codec tests: botocore's own serializers and parsers, and
representative values generated from a shape (deterministic, every member filled,
lists of two, maps of two, nesting bounded; unicode strings; timestamps whole seconds
because headers carry no fraction; floats exact in binary32 because botocore writes
CBOR floats as 32-bit)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from nubis.api.protocols import WireRequest
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.shapes import load_service
from nubis.api.protocols.xml import member_xml_name

ENDPOINT = "http://127.0.0.1:9000"
WHEN = datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
MAX_DEPTH = 4


def operations(service: str) -> list[str]:
    return sorted(load_service(service).operation_names)


def request_for(
    protocol: str, service: str, operation: str, params: Mapping[str, Any]
) -> WireRequest:
    """What botocore puts on the wire for `params`, prepared as it sends it."""
    model = load_service(service).operation_model(operation)
    serialized = create_serializer(protocol, include_validation=False).serialize_to_request(
        dict(params), model
    )
    prepare_request_dict(serialized, endpoint_url=ENDPOINT)
    prepared = create_request_object(serialized).prepare()
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    return WireRequest(prepared.method, url.path, url.query, dict(prepared.headers), body)


def parse_response(protocol: str, response: WireResponse, shape: Any) -> dict[str, Any]:
    """What botocore makes of `response` for `shape` (ResponseMetadata removed)."""
    parsed = create_parser(protocol).parse(
        {
            "status_code": response.status,
            "headers": HeadersDict(response.headers),
            "body": response.body,
            "context": {"operation_name": "test"},
        },
        shape,
    )
    parsed.pop("ResponseMetadata", None)
    if shape is not None:  # an event stream is read lazily from the socket: not compared
        for name, member in shape.members.items():
            if member.serialization.get("eventstream"):
                parsed.pop(name, None)
    return dict(parsed)


def visible(shape: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` less what botocore puts in the host name (hostLabel members)."""
    if shape is None:
        return dict(params)

    def in_host_only(name: str) -> bool:
        serialization = shape.members[name].serialization
        return bool(serialization.get("hostLabel")) and "location" not in serialization

    return {k: v for k, v in params.items() if not in_host_only(k)}


class Sampler:
    """Values for a shape. `where` is the member's location ("header" strings stay ASCII,
    as HTTP headers must); `skip` drops members botocore cannot carry in this direction."""

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    def value(self, shape: Any, name: str, depth: int = 0, location: str | None = None) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, depth)
        if kind == "list":
            return [self.value(shape.member, name, depth + 1, location) for _ in range(2)]
        if kind == "map":
            values = [self.value(shape.value, name, depth + 1, location) for _ in range(2)]
            return {f"k{i}-{name.lower()}": v for i, v in enumerate(values)}
        return self.scalar(shape, name, location)

    def structure(self, shape: Any, depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {}
        names: set[str] = set()
        for name, member in shape.members.items():
            if self.skip(member, depth):
                continue
            # S3's deprecated notification shapes give `Event` and the flattened list
            # `Events` the same element name: no wire can carry both, so only the first.
            wire_name = member_xml_name(member, name)
            if self.protocol == "rest-xml" and wire_name in names:
                continue
            names.add(wire_name)
            out[name] = self.value(member, name, depth + 1, member.serialization.get("location"))
            if getattr(shape, "is_tagged_union", False):
                break  # a union carries one member
        return out

    def skip(self, member: Any, depth: int) -> bool:
        serialization = member.serialization
        if serialization.get("eventstream") or getattr(member, "is_document_type", False):
            return True
        if member.type_name in ("structure", "list", "map") and depth >= MAX_DEPTH:
            return True
        return serialization.get("location") == "statusCode"

    def scalar(self, shape: Any, name: str, location: str | None) -> Any:
        kind = shape.type_name
        if kind == "string":
            enum = shape.enum
            if enum:
                return enum[0]
            if shape.serialization.get("hostLabel"):
                return "label-1"
            if location in ("header", "headers"):
                return f"v-{name}"
            if location == "uri" and name == "Key":
                return "dir/sub dir/ü-key.txt"
            return f"{name} ü✓ <&>"
        if kind in ("integer", "long"):
            return 7 if kind == "integer" else 1234567890123
        if kind in ("float", "double"):
            return 1.5
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return WHEN
        if kind == "blob":
            return b"\x00\x01bin\x7f"
        raise AssertionError(f"no sample for {kind}")
