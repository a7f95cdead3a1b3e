"""The answer to a request for a service, or a protocol of a service, that Nubis does not
serve: a clear error in the protocol the client speaks, never a body it cannot parse.

    protocol          status  what botocore reads as Error.Code
    query             400     <ErrorResponse><Error><Code>InvalidAction      (sns, sts, iam)
    rest-xml          501     <Error><Code>NotImplemented                    (s3)
    json, rest-json   400     `__type` / x-amzn-errortype UnknownOperationException (logs)
    smithy-rpc-v2-cbor 400    CBOR map `__type` UnknownOperationException    (cloudwatch)

The client's protocol is read from the request (a CBOR `smithy-protocol` header, an
`X-Amz-Target`, a form body) and otherwise from the botocore model of the service its
credential scope names. None of this is on the path of a served request.
"""

from __future__ import annotations

import functools
import json
from xml.etree import ElementTree

import botocore.exceptions
import botocore.loaders
import cbor2

from nubis.api import constants
from nubis.api.protocols.response import WireResponse
from nubis.api.protocols.xml import to_document
from nubis.http11 import Request

CODE_QUERY = "InvalidAction"
CODE_REST_XML = "NotImplemented"
CODE_JSON = "UnknownOperationException"
MSG_SERVICE = "Nubis does not serve the '{service}' service"
MSG_PROTOCOL = "Nubis serves '{service}' in the {served} protocol only, not {protocol}"

_CBOR_HEADER = "smithy-protocol"
_FORM = "application/x-www-form-urlencoded"
# Credential scopes (signing names) that are not the botocore model's name.
_MODEL_OF_SCOPE = {"monitoring": "cloudwatch", "email": "ses", "states": "stepfunctions"}


@functools.cache
def _available() -> frozenset[str]:
    return frozenset(botocore.loaders.create_loader().list_available_services("service-2"))


@functools.lru_cache(maxsize=64)
def model_protocol(scope: str) -> str | None:
    """The protocol botocore's model of the service signed as `scope` names first; None
    for a name botocore does not know. Only known names are loaded and cached."""
    name = _MODEL_OF_SCOPE.get(scope, scope)
    if name not in _available():
        return None
    try:
        model = botocore.loaders.create_loader().load_service_model(name, "service-2")
    except botocore.exceptions.DataNotFoundError:
        return None
    protocol = model["metadata"].get("protocol")
    return protocol if isinstance(protocol, str) else None


def client_protocol(request: Request, scope: str | None) -> str:
    """The protocol the client of `request` speaks, as far as the request says."""
    headers = request.headers
    if headers.get(_CBOR_HEADER) == "rpc-v2-cbor":
        return "smithy-rpc-v2-cbor"
    if "x-amz-target" in headers:
        return "json"
    if headers.get("content-type", "").startswith(_FORM) or "Action=" in request.query_string:
        return "query"
    known = model_protocol(scope) if scope else None
    return known or "rest-json"


def render(protocol: str, message: str, request_id: str) -> WireResponse:
    """The "not served" error in `protocol`, with Nubis's request id."""
    if protocol in ("query", "ec2"):
        root = ElementTree.Element("ErrorResponse")
        error = ElementTree.SubElement(root, "Error")
        ElementTree.SubElement(error, "Type").text = "Sender"
        ElementTree.SubElement(error, "Code").text = CODE_QUERY
        ElementTree.SubElement(error, "Message").text = message
        ElementTree.SubElement(root, "RequestId").text = request_id
        return _xml(400, root)
    if protocol == "rest-xml":
        root = ElementTree.Element("Error")
        ElementTree.SubElement(root, "Code").text = CODE_REST_XML
        ElementTree.SubElement(root, "Message").text = message
        ElementTree.SubElement(root, "RequestId").text = request_id
        return _xml(501, root)
    if protocol == "smithy-rpc-v2-cbor":
        headers = {
            _CBOR_HEADER: "rpc-v2-cbor",
            constants.CONTENT_TYPE_HEADER: "application/cbor",
        }
        document = {"__type": CODE_JSON, "message": message}
        return WireResponse(400, headers, cbor2.dumps(document))
    headers = {
        constants.CONTENT_TYPE_HEADER: constants.CONTENT_TYPE_JSON,
        constants.ERROR_TYPE_HEADER: CODE_JSON,
    }
    body = {"__type": CODE_JSON, "message": message, "Type": "User"}
    return WireResponse(400, headers, json.dumps(body).encode())


def _xml(status: int, root: ElementTree.Element) -> WireResponse:
    return WireResponse(status, {constants.CONTENT_TYPE_HEADER: "text/xml"}, to_document(root))
