"""S3's signed aws-chunked bodies (`x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`).

The header signature (the seed) covers the headers only; each chunk carries a signature of
its own that chains to the one before it:

    <size hex>;chunk-signature=<sig>\\r\\n<size bytes>\\r\\n ... 0;chunk-signature=<sig>\\r\\n\\r\\n

    string to sign = "AWS4-HMAC-SHA256-PAYLOAD" \\n amz-date \\n scope \\n previous signature
                     \\n sha256("") \\n sha256(chunk data)

`decode_signed_chunks` checks every chunk of a whole body (nubis.http11 reads bodies whole)
and returns the payload. Trailers (`...-PAYLOAD-TRAILER`) are not read yet.
"""

from __future__ import annotations

import hashlib
import hmac

from nubis.http import canonical
from nubis.http.sigv4 import VerifiedCaller
from nubis.http.sigv4_errors import MSG_BAD_SIGNATURE, Kind, SigV4Error

CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
_SIGNATURE_EXT = b"chunk-signature="
_CRLF = b"\r\n"
MSG_INCOMPLETE = (
    "You did not provide the number of bytes specified by the Content-Length HTTP header."
)


def chunk_string_to_sign(caller: VerifiedCaller, previous: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return "\n".join(
        (CHUNK_ALGORITHM, caller.amz_date, caller.scope, previous, canonical.EMPTY_SHA256, digest)
    )


def _chunk_at(body: bytes, pos: int) -> tuple[bytes, bytes, int]:
    """(signature, data, position after the chunk) of the chunk at `pos`."""
    eol = body.find(_CRLF, pos)
    if eol < 0:
        raise SigV4Error(Kind.CHUNK_MALFORMED, MSG_INCOMPLETE)
    size_hex, _, ext = body[pos:eol].partition(b";")
    if not ext.startswith(_SIGNATURE_EXT):
        raise SigV4Error(Kind.CHUNK_MALFORMED, MSG_INCOMPLETE)
    try:
        size = int(size_hex, 16)
    except ValueError:
        raise SigV4Error(Kind.CHUNK_MALFORMED, MSG_INCOMPLETE) from None
    start = eol + 2
    end = start + size
    if size < 0 or body[end : end + 2] != _CRLF:
        raise SigV4Error(Kind.CHUNK_MALFORMED, MSG_INCOMPLETE)
    return ext[len(_SIGNATURE_EXT) :], body[start:end], end + 2


def decode_signed_chunks(
    body: bytes, caller: VerifiedCaller, decoded_length: int | None = None
) -> bytes:
    """The payload of `body` once every chunk signature holds; SigV4Error BAD_SIGNATURE for
    a chunk whose signature does not, CHUNK_MALFORMED for a body that is not aws-chunked,
    stops before its final (empty) chunk, goes on after it, or whose payload is not
    `decoded_length` (x-amz-decoded-content-length) bytes."""
    previous = caller.signature
    parts: list[bytes] = []
    pos = 0
    while True:
        signature, data, pos = _chunk_at(body, pos)
        expected = canonical.sign(caller.signing_key, chunk_string_to_sign(caller, previous, data))
        if not hmac.compare_digest(expected.encode(), signature):
            raise SigV4Error(Kind.BAD_SIGNATURE, MSG_BAD_SIGNATURE)
        previous = expected
        if not data:
            break
        parts.append(data)
    payload = b"".join(parts)
    if pos != len(body) or (decoded_length is not None and len(payload) != decoded_length):
        raise SigV4Error(Kind.CHUNK_MALFORMED, MSG_INCOMPLETE)
    return payload
