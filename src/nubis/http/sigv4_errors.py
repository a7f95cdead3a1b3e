"""Why SigV4 verification refused a request, and how each protocol family says so.

    SigV4Error(kind, message, presigned)        one exception, a protocol-neutral `Kind`
    wire_error(error, family) -> WireError      (code, HTTP status, message) as AWS sends it

The verifier knows no service; the gateway knows the service's protocol, picks its `Family`
(`family_for`) and renders `wire_error(...)` in that protocol's error shape. The table below
is AWS's answer per family, taken from what AWS endpoints send (Lambda for "json", STS and
SQS's query API for "query", S3 for "s3"); other JSON services answer some of these with 400
instead of 403 (DynamoDB, Cognito), which a per-service override can express later.

    kind            json (Lambda)                        query (STS, SQS query, IAM)
    MISSING         MissingAuthenticationTokenException  MissingAuthenticationToken
    MALFORMED,      IncompleteSignatureException 400     IncompleteSignature 400
    TWO_MECHANISMS
    UNKNOWN_KEY     UnrecognizedClientException          InvalidClientTokenId
    TOKEN_INVALID   UnrecognizedClientException          InvalidClientTokenId
    TOKEN_EXPIRED   ExpiredTokenException                ExpiredToken
    BAD_SIGNATURE   InvalidSignatureException            SignatureDoesNotMatch
    SCOPE, SKEWED,  InvalidSignatureException            SignatureDoesNotMatch
    EXPIRED

S3: MISSING AccessDenied, MALFORMED AuthorizationHeaderMalformed 400 (presigned:
AuthorizationQueryParametersError 400), TWO_MECHANISMS InvalidArgument 400, UNKNOWN_KEY
InvalidAccessKeyId, TOKEN_INVALID InvalidToken 400, TOKEN_EXPIRED ExpiredToken 400,
BAD_SIGNATURE SignatureDoesNotMatch, SCOPE AuthorizationHeaderMalformed 400, SKEWED
RequestTimeTooSkewed (presigned: AccessDenied), EXPIRED AccessDenied, PAYLOAD_MISMATCH
XAmzContentSHA256Mismatch 400, PAYLOAD_HASH_INVALID InvalidArgument 400,
PAYLOAD_HASH_MISSING InvalidRequest 400, CHUNK_MALFORMED IncompleteBody 400. The status is
403 where none is given. (docs/auth.md has the messages.)
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class Kind(Enum):
    MISSING = "missing"  # no Authorization header, no X-Amz-Algorithm query parameter
    MALFORMED = "malformed"  # the header or the query parameters cannot be read
    TWO_MECHANISMS = "two-mechanisms"  # an Authorization header and a presigned query
    UNKNOWN_KEY = "unknown-key"  # no such access key
    TOKEN_INVALID = "token-invalid"  # session token absent, wrong, or sent with a long-term key
    TOKEN_EXPIRED = "token-expired"  # temporary credentials past their expiry
    BAD_SIGNATURE = "bad-signature"  # the signature does not match
    SCOPE = "scope"  # credential scope names another date or service
    SKEWED = "skewed"  # request time outside the clock-skew window
    EXPIRED = "expired"  # presigned request past X-Amz-Expires
    PAYLOAD_MISMATCH = "payload-mismatch"  # x-amz-content-sha256 is not the body's hash
    PAYLOAD_HASH_INVALID = "payload-hash-invalid"  # x-amz-content-sha256 is no hash we accept
    PAYLOAD_HASH_MISSING = "payload-hash-missing"  # S3 needs x-amz-content-sha256
    CHUNK_MALFORMED = "chunk-malformed"  # an aws-chunked body that is cut short or garbled


class Family(Enum):
    JSON = "json"  # rest-json and json protocols (Lambda, SQS's JSON API, Logs, ...)
    QUERY = "query"  # query, ec2 and (non-S3) rest-xml protocols (STS, IAM, SQS query, SNS)
    S3 = "s3"


class SigV4Error(Exception):
    """A refused request: `kind` says why, `message` is AWS's text for the json and query
    families (S3 has texts of its own, see `wire_error`)."""

    def __init__(self, kind: Kind, message: str, *, presigned: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.presigned = presigned


class WireError(NamedTuple):
    code: str  # the wire error code (`__type` / `<Code>`)
    status: int
    message: str


MSG_MISSING_JSON = "Missing Authentication Token"
MSG_MISSING_QUERY = "Request is missing Authentication Token"
MSG_TOKEN_INVALID = "The security token included in the request is invalid."
MSG_TOKEN_EXPIRED = "The security token included in the request is expired"
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MSG_EXPIRED = "Signature expired: {date} is now earlier than {earliest} ({now} - {window})"
MSG_NOT_YET = "Signature not yet current: {date} is still later than {latest} ({now} + {window})"

_S3_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
_S3_UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records."
_S3_SKEWED = "The difference between the request time and the current time is too large."
_S3_PAYLOAD_MISMATCH = (
    "The provided 'x-amz-content-sha256' header does not match what was computed."
)

_JSON: dict[Kind, tuple[str, int]] = {
    Kind.MISSING: ("MissingAuthenticationTokenException", 403),
    Kind.MALFORMED: ("IncompleteSignatureException", 400),
    Kind.TWO_MECHANISMS: ("IncompleteSignatureException", 400),
    Kind.UNKNOWN_KEY: ("UnrecognizedClientException", 403),
    Kind.TOKEN_INVALID: ("UnrecognizedClientException", 403),
    Kind.TOKEN_EXPIRED: ("ExpiredTokenException", 403),
}
_QUERY: dict[Kind, tuple[str, int]] = {
    Kind.MISSING: ("MissingAuthenticationToken", 403),
    Kind.MALFORMED: ("IncompleteSignature", 400),
    Kind.TWO_MECHANISMS: ("IncompleteSignature", 400),
    Kind.UNKNOWN_KEY: ("InvalidClientTokenId", 403),
    Kind.TOKEN_INVALID: ("InvalidClientTokenId", 403),
    Kind.TOKEN_EXPIRED: ("ExpiredToken", 403),
}
# S3's (code, status, message); None keeps the error's own message.
_S3: dict[Kind, tuple[str, int, str | None]] = {
    Kind.MISSING: ("AccessDenied", 403, "Access Denied"),
    Kind.TWO_MECHANISMS: ("InvalidArgument", 400, None),
    Kind.UNKNOWN_KEY: ("InvalidAccessKeyId", 403, _S3_UNKNOWN_KEY),
    Kind.TOKEN_INVALID: (
        "InvalidToken",
        400,
        "The provided token is malformed or otherwise invalid.",
    ),
    Kind.TOKEN_EXPIRED: ("ExpiredToken", 400, "The provided token has expired."),
    Kind.BAD_SIGNATURE: ("SignatureDoesNotMatch", 403, _S3_BAD_SIGNATURE),
    Kind.SCOPE: ("AuthorizationHeaderMalformed", 400, None),
    Kind.SKEWED: ("RequestTimeTooSkewed", 403, _S3_SKEWED),
    Kind.EXPIRED: ("AccessDenied", 403, "Request has expired"),
    Kind.PAYLOAD_MISMATCH: ("XAmzContentSHA256Mismatch", 400, _S3_PAYLOAD_MISMATCH),
    Kind.PAYLOAD_HASH_INVALID: ("InvalidArgument", 400, None),
    Kind.PAYLOAD_HASH_MISSING: ("InvalidRequest", 400, None),
    Kind.CHUNK_MALFORMED: ("IncompleteBody", 400, None),
}


def family_for(protocol: str, service: str) -> Family:
    """The family of a botocore protocol name ("rest-json", "json", "query", "ec2",
    "rest-xml", "smithy-rpc-v2-cbor") for `service` (S3 is a family of its own)."""
    if service == "s3":
        return Family.S3
    if protocol in ("query", "ec2", "rest-xml"):
        return Family.QUERY
    return Family.JSON


def wire_error(error: SigV4Error, family: Family) -> WireError:
    """AWS's (code, status, message) for `error` in `family`."""
    if family is Family.S3:
        return _s3_error(error)
    table = _JSON if family is Family.JSON else _QUERY
    signature_code = (
        "InvalidSignatureException" if family is Family.JSON else "SignatureDoesNotMatch"
    )
    code, status = table.get(error.kind, (signature_code, 403))
    message = error.message
    if error.kind is Kind.MISSING:
        message = MSG_MISSING_JSON if family is Family.JSON else MSG_MISSING_QUERY
    elif error.kind.name.startswith("PAYLOAD_"):
        message = MSG_BAD_SIGNATURE  # only S3 checks the header; elsewhere it is a mismatch
    return WireError(code, status, message)


def _s3_error(error: SigV4Error) -> WireError:
    if error.kind is Kind.MALFORMED:
        if error.presigned:
            return WireError("AuthorizationQueryParametersError", 400, error.message)
        return WireError("AuthorizationHeaderMalformed", 400, error.message)
    if error.presigned and error.kind is Kind.SKEWED:
        return WireError("AccessDenied", 403, "Request is not valid yet")
    code, status, message = _S3[error.kind]
    return WireError(code, status, message if message is not None else error.message)
