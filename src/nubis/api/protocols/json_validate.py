"""Validation of parsed input against the model's constraints, in Lambda's message format.

Lambda (Coral) reports every broken constraint, in model member order, as
``Value '<v>' at '<path>' failed to satisfy constraint: <constraint>`` joined by ``; ``
behind ``N validation error(s) detected: ``. The value is printed as Java's `toString`
would (strings bare, lists ``[a, b]``, maps ``{k=v}``, absent ``null``); a sensitive
member omits it (``Value at 'environment.variables' ...``). Paths are member names with the
first letter lower-cased, nested with ``.`` (``ephemeralStorage.size``, ``kMSKeyArn``).
Elements of a list of scalars are reported once at the list, listing all the element's
constraints (``Member must satisfy constraint: [...]``); map keys and values likewise
(``Map keys must satisfy constraint: [...]``, ``Map value must satisfy constraint: [...]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from nubis.api import constants
from nubis.api.protocols.json_shapes import NUMBER_TYPES, Node
from nubis.model.errors import ValidationException


def validate(node: Node, params: Mapping[str, Any]) -> None:
    """Raise ValidationException listing every broken constraint of `params` (a structure)."""
    errors: list[str] = []
    _structure(node, params, "", errors)
    if errors:
        head = (
            constants.MSG_VALIDATION_ONE
            if len(errors) == 1
            else constants.MSG_VALIDATION_MANY.format(count=len(errors))
        )
        raise ValidationException(head + "; ".join(errors))


def _structure(node: Node, value: Mapping[str, Any], prefix: str, errors: list[str]) -> None:
    required = node.required
    for member in node.members:
        item = value.get(member.name)
        path = prefix + member.path_name
        if item is None:
            if member.name in required:
                errors.append(f"Value null at '{path}' failed to satisfy constraint: {_NOT_NULL}")
            continue
        _value(member.node, item, path, member.sensitive, errors)


def _value(node: Node, item: Any, path: str, sensitive: bool, errors: list[str]) -> None:
    kind = node.type
    if kind == "structure":
        if isinstance(item, Mapping):
            _structure(node, item, path + ".", errors)
        return
    if node.has_constraints:
        for constraint in _failures(node, item):
            errors.append(
                f"{_shown(item, sensitive)} at '{path}' failed to satisfy constraint: {constraint}"
            )
    if kind == "list" and node.member is not None and isinstance(item, list):
        element = node.member
        if element.type == "structure":
            for index, entry in enumerate(item, 1):
                if isinstance(entry, Mapping):
                    _structure(element, entry, f"{path}.{index}.member.", errors)
        elif element.has_constraints and any(e is None or _failures(element, e) for e in item):
            errors.append(
                f"{_shown(item, sensitive or element.sensitive)} at '{path}' failed to satisfy "
                f"constraint: Member must satisfy constraint: [{_all_constraints(element, True)}]"
            )
    elif kind == "map" and node.key is not None and node.value is not None:
        if not isinstance(item, Mapping):
            return
        shown = _shown(item, sensitive or node.key.sensitive or node.value.sensitive)
        key, val = node.key, node.value
        if key.has_constraints and any(_failures(key, k) for k in item):
            errors.append(
                f"{shown} at '{path}' failed to satisfy constraint: "
                f"Map keys must satisfy constraint: [{_all_constraints(key, False)}]"
            )
        if val.type == "structure":
            for k, entry in item.items():
                if isinstance(entry, Mapping):
                    _structure(val, entry, f"{path}.{k}.", errors)
        elif val.has_constraints and any(v is None or _failures(val, v) for v in item.values()):
            errors.append(
                f"{shown} at '{path}' failed to satisfy constraint: "
                f"Map value must satisfy constraint: [{_all_constraints(val, False)}]"
            )


_NOT_NULL = "Member must not be null"


def _failures(node: Node, item: Any) -> list[str]:
    """The constraints of `node` that `item` breaks, in Lambda's order (max, min, pattern, enum)."""
    broken: list[str] = []
    if node.type in NUMBER_TYPES:
        if isinstance(item, int | float):
            if node.max is not None and item > node.max:
                broken.append(_max_text(node))
            if node.min is not None and item < node.min:
                broken.append(_min_text(node))
        return broken
    if node.min is not None or node.max is not None:
        size = _length(item)
        if node.max is not None and size > node.max:
            broken.append(_max_text(node))
        if node.min is not None and size < node.min:
            broken.append(_min_text(node))
    if node.pattern is not None and isinstance(item, str):
        compiled = node.compiled_pattern()
        if compiled is not None and compiled.fullmatch(item) is None:
            broken.append(f"Member must satisfy regular expression pattern: {node.pattern}")
    if node.enum is not None and isinstance(item, str) and item not in node.enum_set:
        broken.append(f"Member must satisfy enum value set: [{', '.join(node.enum)}]")
    return broken


def _all_constraints(node: Node, not_null: bool) -> str:
    """All constraints of an element shape; list elements also say they must not be null."""
    texts: list[str] = []
    if node.max is not None:
        texts.append(_max_text(node))
    if node.min is not None:
        texts.append(_min_text(node))
    if node.pattern is not None:
        texts.append(f"Member must satisfy regular expression pattern: {node.pattern}")
    if node.enum is not None:
        texts.append(f"Member must satisfy enum value set: [{', '.join(node.enum)}]")
    if not_null:
        texts.append(_NOT_NULL)
    return ", ".join(texts)


def _max_text(node: Node) -> str:
    if node.type in NUMBER_TYPES:
        return f"Member must have value less than or equal to {_number(node.max)}"
    return f"Member must have length less than or equal to {_number(node.max)}"


def _min_text(node: Node) -> str:
    if node.type in NUMBER_TYPES:
        return f"Member must have value greater than or equal to {_number(node.min)}"
    return f"Member must have length greater than or equal to {_number(node.min)}"


def _number(bound: float | None) -> str:
    if isinstance(bound, float) and bound.is_integer():
        return str(int(bound))
    return str(bound)


def _length(item: Any) -> int:
    """Length as Java counts it: strings in UTF-16 code units, blobs in bytes, else entries."""
    if isinstance(item, str):
        return len(item) if item.isascii() else len(item.encode("utf-16-le")) // 2
    if isinstance(item, bytes | bytearray | memoryview | list | tuple | Mapping):
        return len(item)
    return 0


def _shown(item: Any, sensitive: bool) -> str:
    return "Value" if sensitive else f"Value '{java_string(item)}'"


def java_string(item: Any) -> str:
    """`item` printed the way Java's `toString` prints the value Lambda holds."""
    if item is None:
        return "null"
    if isinstance(item, str):
        return item
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, bytes | bytearray | memoryview):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(item)} cap={len(item)}]"
    if isinstance(item, list | tuple):
        return "[" + ", ".join(java_string(e) for e in item) + "]"
    if isinstance(item, Mapping):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in item.items()) + "}"
    if isinstance(item, datetime):
        return item.isoformat()
    return str(item)
