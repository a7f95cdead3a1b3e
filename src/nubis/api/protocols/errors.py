"""Errors the codecs themselves raise, as the services of each protocol send them.

They are branches of the one tree (`nubis.model.errors.NubisError`), so every codec's
`serialize_error` renders them like a service's own errors:

    NubisError
    ├── InvalidAction            400 query: the Action names no operation of the model
    ├── MissingAction            400 query: no Action parameter
    ├── InvalidParameterValue    400 query: a parameter's text is not of its shape's type
    ├── MalformedQueryString     404 query: the form is not UTF-8 text
    ├── MalformedXML             400 rest-xml: the body is not the XML the operation takes
    ├── InvalidArgument          400 rest-xml: a header, label or query value is unreadable
    ├── MethodNotAllowed         405 rest-xml: no operation for the method and path
    └── SerializationException   400 cbor: the body is not a CBOR map of the input shape
        (an unknown cbor operation is the tree's UnknownOperationException, 404)

Messages are AWS's common-error texts (the query APIs' "Common Errors" pages, S3's
error-code list); `detail` says which value failed, after the common text.
"""

from __future__ import annotations

from nubis.model.errors import NubisError


class InvalidAction(NubisError):
    wire_type = "InvalidAction"
    status = 400


class MissingAction(NubisError):
    wire_type = "MissingAction"
    status = 400


class InvalidParameterValue(NubisError):
    wire_type = "InvalidParameterValue"
    status = 400


class MalformedQueryString(NubisError):
    wire_type = "MalformedQueryString"
    status = 404


class MalformedXML(NubisError):
    wire_type = "MalformedXML"
    status = 400


class InvalidArgument(NubisError):
    wire_type = "InvalidArgument"
    status = 400


class MethodNotAllowed(NubisError):
    wire_type = "MethodNotAllowed"
    status = 405


class SerializationException(NubisError):
    wire_type = "SerializationException"
    status = 400


MSG_INVALID_ACTION = (
    "The action or operation requested is invalid. Verify that the action is typed correctly."
)
MSG_MISSING_ACTION = "The request is missing an action or a required parameter."
MSG_INVALID_VALUE = "An invalid or out-of-range value was supplied for the input parameter."
MSG_MALFORMED_QUERY = "The query string contains a syntax error."
MSG_MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
MSG_METHOD_NOT_ALLOWED = "The specified method is not allowed against this resource."
MSG_BAD_CBOR = "Could not parse the request body as CBOR of the operation's input"


def with_detail(common: str, detail: str) -> str:
    return f"{common} ({detail})"
