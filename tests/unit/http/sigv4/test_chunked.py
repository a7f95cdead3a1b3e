"""S3's signed aws-chunked upload, with the example of AWS's documentation ("Signature
Calculations for the Authorization Header: Transferring Payload in Multiple Chunks",
Example: PUT Object): its seed signature verifies, its three chunk signatures verify, and
the payload is 66560 bytes of "a"; a changed, missing or extra chunk does not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from nubis.http.chunked import decode_signed_chunks
from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import STREAMING_PAYLOAD, VerifiedCaller, Verifier
from nubis.http.sigv4_errors import Family, Kind, SigV4Error, wire_error

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime(2013, 5, 24, tzinfo=UTC).timestamp()
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNKS = (
    (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
)
HEADERS = {
    "host": "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "authorization": (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        f"x-amz-decoded-content-length;x-amz-storage-class,Signature={SEED}"
    ),
    "x-amz-content-sha256": STREAMING_PAYLOAD,
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "content-length": "66824",
}


def _chunk(size: int, signature: str) -> bytes:
    return f"{size:x};chunk-signature={signature}\r\n".encode() + b"a" * size + b"\r\n"


BODY = b"".join(_chunk(size, signature) for size, signature in CHUNKS)


def _seed() -> VerifiedCaller:
    verifier = Verifier(MemorySecrets([KeyRecord(ACCESS_KEY, SECRET)]))
    path = "/examplebucket/chunkObject.txt"
    return asyncio.run(verifier.verify("PUT", path, "", HEADERS, BODY, NOW))


def _refused(body: bytes, decoded_length: int | None = None) -> Kind:
    with pytest.raises(SigV4Error) as raised:
        decode_signed_chunks(body, _seed(), decoded_length)
    return raised.value.kind


def test_the_documented_example_verifies_and_decodes() -> None:
    assert len(BODY) == 66824
    caller = _seed()
    assert caller.payload_hash == STREAMING_PAYLOAD
    assert decode_signed_chunks(BODY, caller, 66560) == b"a" * 66560


def test_a_changed_byte_a_missing_or_an_extra_chunk_is_refused() -> None:
    assert _refused(BODY.replace(b"aaaa", b"baaa", 1)) is Kind.BAD_SIGNATURE
    assert _refused(_chunk(*CHUNKS[0]) + _chunk(*CHUNKS[2])) is Kind.BAD_SIGNATURE
    assert _refused(_chunk(*CHUNKS[0]) + _chunk(*CHUNKS[1])) is Kind.CHUNK_MALFORMED
    assert _refused(BODY + _chunk(*CHUNKS[2])) is Kind.CHUNK_MALFORMED
    assert _refused(BODY, decoded_length=66561) is Kind.CHUNK_MALFORMED
    assert _refused(BODY.replace(b"10000;", b"1000g;", 1)) is Kind.CHUNK_MALFORMED


def test_a_malformed_body_is_s3s_incomplete_body() -> None:
    with pytest.raises(SigV4Error) as raised:
        decode_signed_chunks(BODY[:-10], _seed())
    assert wire_error(raised.value, Family.S3)[:2] == ("IncompleteBody", 400)
