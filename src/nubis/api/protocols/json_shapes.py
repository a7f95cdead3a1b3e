"""Shapes of a botocore service model, compiled once into plain nodes for the hot path.

A `Node` is one shape with its constraints (after the overlay) and, for aggregates, its
children. Nodes are built once per service at load; parse/validate/serialize only walk
them. Recursive shapes are fine: a node is registered before its children are built.

Patterns are the model's Java regexes, matched in full (`re.fullmatch`) with `re.ASCII`
(Java's `\\d`, `\\w`, `\\s` are ASCII-only). They compile lazily on first use because a few
need `\\p{..}` classes translated into explicit ranges, which costs a scan of Unicode.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SCALAR_TYPES = frozenset({"string", "integer", "long", "float", "double", "boolean"})
NUMBER_TYPES = frozenset({"integer", "long", "float", "double"})


@dataclass(eq=False)
class Member:
    """A structure member: its model name, where it lives on the wire, and its shape."""

    name: str
    node: Node
    location: str | None  # uri, querystring, header, headers, statusCode or None (body)
    wire_name: str  # locationName, else the member name
    path_name: str  # Lambda's name in validation messages: first letter lower-cased
    sensitive: bool
    jsonvalue: bool
    timestamp_format: str | None

    def __repr__(self) -> str:
        return f"Member({self.name!r}, {self.node.name!r}, location={self.location!r})"


@dataclass(eq=False)
class Node:
    """One compiled shape. `min`/`max` bound the value of numbers and the length of the rest."""

    name: str
    type: str
    sensitive: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    enum_set: frozenset[str] = frozenset()
    timestamp_format: str | None = None
    members: tuple[Member, ...] = ()
    required: frozenset[str] = frozenset()
    member: Node | None = None  # list element
    key: Node | None = None  # map key
    value: Node | None = None  # map value
    payload: str | None = None  # structure: the member that is the whole HTTP body
    streaming: bool = False
    by_wire_name: dict[str, Member] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.type!r})"

    def compiled_pattern(self) -> re.Pattern[str] | None:
        return None if self.pattern is None else compile_java_pattern(self.pattern)

    @property
    def has_constraints(self) -> bool:
        return (
            self.min is not None
            or self.max is not None
            or self.pattern is not None
            or self.enum is not None
        )


def build_nodes(
    shapes: Mapping[str, Mapping[str, Any]], overlay: Mapping[str, Mapping[str, Any]]
) -> dict[str, Node]:
    """Compile every shape of a model's `shapes` section, applying `overlay` per shape name."""
    unknown = set(overlay) - set(shapes)
    if unknown:
        raise KeyError(f"overlay names shapes the model does not have: {sorted(unknown)}")
    nodes: dict[str, Node] = {}

    def build(name: str) -> Node:
        if name in nodes:
            return nodes[name]
        spec = {**shapes[name], **overlay.get(name, {})}
        node = Node(
            name=name,
            type=spec["type"],
            sensitive=bool(spec.get("sensitive", False)),
            min=spec.get("min"),
            max=spec.get("max"),
            pattern=spec.get("pattern"),
            # An overlay's "enum": None drops the model's enum (the service checks it).
            enum=tuple(spec["enum"]) if spec.get("enum") is not None else None,
            enum_set=frozenset(spec.get("enum") or ()),
            timestamp_format=spec.get("timestampFormat"),
            required=frozenset(spec.get("required", ())),
            payload=spec.get("payload"),
            streaming=bool(spec.get("streaming", False) or spec.get("eventstream", False)),
        )
        nodes[name] = node  # before the children: shapes may be recursive
        if node.type == "structure":
            node.members = tuple(
                _member(mname, mspec, build(mspec["shape"]))
                for mname, mspec in spec.get("members", {}).items()
            )
            node.by_wire_name = {m.wire_name: m for m in node.members if m.location is None}
        elif node.type == "list":
            node.member = build(spec["member"]["shape"])
        elif node.type == "map":
            node.key = build(spec["key"]["shape"])
            node.value = build(spec["value"]["shape"])
        return node

    for name in shapes:
        build(name)
    return nodes


def _member(name: str, spec: Mapping[str, Any], node: Node) -> Member:
    return Member(
        name=name,
        node=node,
        location=spec.get("location"),
        wire_name=spec.get("locationName", name),
        path_name=name[:1].lower() + name[1:],
        sensitive=node.sensitive or bool(spec.get("sensitive", False)),
        jsonvalue=bool(spec.get("jsonvalue", False)),
        timestamp_format=spec.get("timestampFormat", node.timestamp_format),
    )


_UNICODE_CLASS = re.compile(r"\\p\{(\w+)\}")


@functools.cache
def compile_java_pattern(pattern: str) -> re.Pattern[str]:
    """A Java regex as a Python pattern; `\\p{L}`-style classes become explicit ranges."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            unicode_class = _UNICODE_CLASS.match(pattern, i)
            if unicode_class:
                body = _category_ranges(unicode_class.group(1))
                out.append(body if in_class else f"[{body}]")
                i = unicode_class.end()
            else:
                out.append(pattern[i : i + 2])
                i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append(char)
        i += 1
    return re.compile("".join(out), re.ASCII)


@functools.cache
def _category_ranges(category: str) -> str:
    """Character-class body (no brackets) for a Unicode general category like `L` or `Lu`."""
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)).startswith(category):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    if not ranges:
        raise ValueError(f"unsupported Unicode class \\p{{{category}}} in a model pattern")
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
