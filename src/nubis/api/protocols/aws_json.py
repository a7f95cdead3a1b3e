"""The AWS JSON wire protocol (`X-Amz-Target: <prefix>.<Operation>`, POST /).

The sibling of `rest_json.RestJsonService` for services whose botocore model says
`"protocol": "json"` (SQS). Everything comes from the model: the target prefix, the JSON
version of the content type, input and output shapes and their constraints. Parsing and
serializing reuse the REST-JSON layer's compiled shapes (`json_shapes`), value codec
(`json_values`) and validation (`json_validate`); only the envelope differs:

    operation_of(target header)   -> operation name
    parse(op, body)               -> input params, validated
    serialize(op, output)         -> WireResponse (200, application/x-amz-json-1.x)
    serialize_error(...)          -> WireResponse with `__type` (and the query-compatible
                                     `x-amzn-query-error` header when the model says so)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import botocore.loaders

from nubis.api import constants
from nubis.api.protocols.json_shapes import Node, build_nodes
from nubis.api.protocols.json_validate import validate
from nubis.api.protocols.json_values import from_json, to_json
from nubis.api.protocols.response import WireResponse
from nubis.model.errors import (
    InvalidRequestContentException,
    UnknownOperationException,
    ValidationException,
)

TARGET_HEADER = "X-Amz-Target"
QUERY_ERROR_HEADER = "x-amzn-query-error"


class JsonService:
    """One JSON-protocol service compiled from botocore's model. Immutable; thread-safe.

    `constraints=False` checks only that required members are present and leaves the
    model's other constraints (enums, lengths) to the service's own rules: SQS, unlike
    Lambda, does not enforce its model's enums and answers with its own errors.
    """

    def __init__(
        self,
        service: str,
        overlay: Mapping[str, Mapping[str, Any]] | None = None,
        constraints: bool = True,
    ) -> None:
        self._constraints = constraints
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
        meta = model["metadata"]
        if "json" not in (meta.get("protocols") or [meta.get("protocol")]):
            raise ValueError(f"{service} speaks {meta.get('protocol')}, not json")
        self.service = service
        self.target_prefix: str = meta["targetPrefix"]
        self.namespace: str = f"com.amazonaws.{meta.get('endpointPrefix', service)}"
        self.content_type = f"application/x-amz-json-{meta.get('jsonVersion', '1.0')}"
        self.query_compatible = "awsQueryCompatible" in meta
        self._nodes = build_nodes(model["shapes"], overlay or {})
        self._inputs: dict[str, Node | None] = {}
        self._outputs: dict[str, Node | None] = {}
        for name, spec in model["operations"].items():
            self._inputs[name] = self._nodes[spec["input"]["shape"]] if "input" in spec else None
            self._outputs[name] = self._nodes[spec["output"]["shape"]] if "output" in spec else None

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(self._inputs)

    def operation_of(self, target: str) -> str:
        """`AmazonSQS.SendMessage` -> `SendMessage`; UnknownOperationException otherwise."""
        prefix, _, operation = target.partition(".")
        if prefix != self.target_prefix or operation not in self._inputs:
            raise UnknownOperationException(
                constants.MSG_UNKNOWN_OPERATION.format(operation=target or "(none)")
            )
        return operation

    def parse(self, operation: str, body: bytes) -> dict[str, Any]:
        node = self._inputs[operation]
        if node is None:
            return {}
        if not body.strip():
            document: Any = {}
        else:
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InvalidRequestContentException(
                    constants.MSG_BAD_JSON.format(detail=exc)
                ) from exc
            except RecursionError as exc:  # json's C scanner stops at the recursion limit
                raise InvalidRequestContentException(constants.MSG_TOO_DEEP) from exc
        if not isinstance(document, dict):
            raise InvalidRequestContentException(
                constants.MSG_BAD_JSON.format(detail="the body is not a JSON object")
            )
        params: dict[str, Any] = from_json(node, document)
        if self._constraints:
            validate(node, params)
        else:
            missing = _missing(node, params, "")
            if missing is not None:
                raise ValidationException(f"The request must contain the parameter {missing}.")
        return params

    def serialize(self, operation: str, output: Mapping[str, Any]) -> WireResponse:
        node = self._outputs.get(operation)
        document = to_json(node, dict(output)) if node is not None else {}
        return WireResponse(
            200,
            {constants.CONTENT_TYPE_HEADER: self.content_type},
            json.dumps(document, separators=(",", ":")).encode(),
        )

    def serialize_error(
        self,
        status: int,
        shape_name: str,
        message: str,
        query_code: str | None = None,
        fault: str = "Sender",
    ) -> WireResponse:
        """`__type` is the namespaced shape name; botocore strips the namespace. With a
        query-compatible model it also reads `x-amzn-query-error: <code>;<fault>`."""
        headers = {constants.CONTENT_TYPE_HEADER: self.content_type}
        if self.query_compatible and query_code:
            headers[QUERY_ERROR_HEADER] = f"{query_code};{fault}"
        body = {"__type": f"{self.namespace}#{shape_name}", "message": message}
        return WireResponse(status, headers, json.dumps(body, separators=(",", ":")).encode())


def _missing(node: Node, params: Mapping[str, Any], prefix: str) -> str | None:
    """The first required member absent at any depth, named as SQS names it: members by
    name, list elements by their shape and 1-based index (`DeleteMessageBatchRequestEntry.1
    .ReceiptHandle`), map values by key."""
    for member in node.members:
        item = params.get(member.name)
        if item is None:
            if member.name in node.required:
                return prefix + member.name
            continue
        found = _missing_in(member.node, item, prefix + member.name)
        if found is not None:
            return found
    return None


def _missing_in(node: Node, item: Any, path: str) -> str | None:
    if node.type == "structure" and isinstance(item, Mapping):
        return _missing(node, item, path + ".")
    if node.type == "list" and node.member is not None and isinstance(item, list):
        element = node.member
        for index, entry in enumerate(item, 1):
            name = f"{element.name}.{index}" if element.type == "structure" else f"{path}.{index}"
            if entry is None:
                return name
            found = _missing_in(element, entry, name)
            if found is not None:
                return found
    if node.type == "map" and node.value is not None and isinstance(item, Mapping):
        for key, entry in item.items():
            if entry is None:
                return f"{path}.{key}"
            found = _missing_in(node.value, entry, f"{path}.{key}")
            if found is not None:
                return found
    return None


__all__ = ["JsonService"]
