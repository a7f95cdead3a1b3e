"""Requests signed by real botocore clients (Lambda rest-json, SQS json, STS query with a
session token, S3 with a signed, an unsigned and a streaming payload, presigned URLs of S3
and of STS) verify; the same requests changed in one place do not."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

import pytest

from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import OFFLOAD_HASH_BYTES, UNSIGNED_PAYLOAD, VerifiedCaller, Verifier
from nubis.http.sigv4_errors import Kind, SigV4Error

from .signed_by_botocore import (
    ACCESS_KEY,
    NOW,
    REGION,
    SECRET,
    TOKEN,
    Wire,
    client,
    presigned_query,
    presigned_url,
    signed,
    signed_unsigned_payload,
)


def _verify(wire: Wire, *, token: str | None = None, now: float = NOW) -> VerifiedCaller:
    record = KeyRecord(ACCESS_KEY, SECRET, session_token=token, principal="user/alice")
    verifier = Verifier(MemorySecrets([record]))
    return asyncio.run(
        verifier.verify(wire.method, wire.path, wire.query, wire.headers, wire.body, now)
    )


def _refused(wire: Wire, *, token: str | None = None, now: float = NOW) -> Kind:
    with pytest.raises(SigV4Error) as raised:
        _verify(wire, token=token, now=now)
    return raised.value.kind


def _invoke() -> Wire:
    lam = client("lambda")
    return signed(lam, "invoke", FunctionName="my:function", Payload=b'{"who": "botocore"}')


def test_lambda_invoke_verifies() -> None:
    wire = _invoke()
    assert "%3A" in wire.path  # the path is encoded once on the wire, twice when signed
    caller = _verify(wire)
    assert (caller.access_key, caller.principal, caller.region) == (
        ACCESS_KEY,
        "user/alice",
        REGION,
    )
    assert (caller.service, caller.temporary, caller.presigned) == ("lambda", False, False)


def test_lambda_invoke_changed_body_path_or_time_is_refused() -> None:
    wire = _invoke()
    assert _refused(replace(wire, body=wire.body.replace(b"botocore", b"botocorf"))) is (
        Kind.BAD_SIGNATURE
    )
    assert _refused(replace(wire, path=wire.path.replace("my%3A", "my%3a"))) is (Kind.BAD_SIGNATURE)
    assert _refused(replace(wire, query="Qualifier=2")) is Kind.BAD_SIGNATURE
    assert _refused(wire, now=NOW + 301) is Kind.SKEWED
    assert _verify(wire, now=NOW + 300).service == "lambda"


def test_lambda_list_functions_query_verifies() -> None:
    wire = signed(client("lambda"), "list_functions", MaxItems=5, Marker="a b/c+d=é")
    assert wire.query
    _verify(wire)
    assert _refused(replace(wire, query=wire.query.replace("5", "6"))) is Kind.BAD_SIGNATURE


def test_lambda_with_a_session_token_verifies_only_with_that_token() -> None:
    wire = signed(client("lambda", token=TOKEN), "get_function", FunctionName="f")
    assert _verify(wire, token=TOKEN).temporary
    assert _refused(wire, token=TOKEN + "x") is Kind.TOKEN_INVALID
    assert _refused(wire) is Kind.TOKEN_INVALID  # a token sent with a long-term key
    unsigned = {k: v for k, v in wire.headers.items() if k != "x-amz-security-token"}
    assert _refused(replace(wire, headers=unsigned), token=TOKEN) is Kind.TOKEN_INVALID


def test_sqs_json_verifies_and_a_changed_target_does_not() -> None:
    sqs = client("sqs")
    wire = signed(sqs, "send_message", QueueUrl="http://127.0.0.1:9000/1/q", MessageBody="hi")
    assert _verify(wire).service == "sqs"
    changed = wire.with_headers(**{"x-amz-target": "AmazonSQS.DeleteQueue"})
    assert _refused(changed) is Kind.BAD_SIGNATURE


def test_sts_query_with_a_session_token_verifies() -> None:
    wire = signed(client("sts", token=TOKEN), "get_caller_identity")
    assert wire.body.startswith(b"Action=GetCallerIdentity")
    caller = _verify(wire, token=TOKEN)
    assert (caller.service, caller.temporary) == ("sts", True)
    assert _refused(
        replace(wire, body=b"Action=GetSessionToken&Version=2011-06-15"), token=TOKEN
    ) is (Kind.BAD_SIGNATURE)
    assert _verify(wire, token=TOKEN, now=NOW + 900).service == "sts"  # STS allows 15 minutes
    assert _refused(wire, token=TOKEN, now=NOW + 901) is Kind.SKEWED


def test_s3_put_object_with_a_signed_payload_verifies() -> None:
    s3 = client("s3")
    wire = signed(s3, "put_object", Bucket="bucket", Key="a b/ü~!(x).txt", Body=b"data")
    assert "%C3%BC" in wire.path  # S3 paths are signed as sent, not encoded twice
    caller = _verify(wire)
    assert caller.payload_hash == wire.headers["x-amz-content-sha256"]
    assert _refused(replace(wire, body=b"date")) is Kind.PAYLOAD_MISMATCH
    assert _refused(replace(wire, path=wire.path.replace("bucket", "other"))) is (
        Kind.BAD_SIGNATURE
    )


def test_s3_unsigned_payload_verifies() -> None:
    s3 = client(
        "s3",
        https=True,
        s3={"payload_signing_enabled": False},
        request_checksum_calculation="when_required",
    )
    wire = signed(s3, "put_object", Bucket="bucket", Key="key", Body=b"any body at all")
    assert wire.headers["x-amz-content-sha256"] == UNSIGNED_PAYLOAD
    assert _verify(wire).payload_hash == UNSIGNED_PAYLOAD
    assert _verify(replace(wire, body=b"another body")).payload_hash == UNSIGNED_PAYLOAD
    missing = {k: v for k, v in wire.headers.items() if k != "x-amz-content-sha256"}
    assert _refused(replace(wire, headers=missing)) is Kind.PAYLOAD_HASH_MISSING
    assert _refused(wire.with_headers(**{"x-amz-content-sha256": "nope"})) is (
        Kind.PAYLOAD_HASH_INVALID
    )


def test_s3_streaming_unsigned_trailer_payload_verifies() -> None:
    s3 = client("s3", https=True, s3={"payload_signing_enabled": False})
    wire = signed(s3, "put_object", Bucket="bucket", Key="key", Body=b"data")
    assert wire.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert _verify(wire).payload_hash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def test_unsigned_payload_outside_s3_only_where_allowed() -> None:
    url = "https://127.0.0.1:9000/2015-03-31/functions/f/invocations"
    wire = signed_unsigned_payload("lambda", url, b"{}")
    assert wire.headers["x-amz-content-sha256"] == UNSIGNED_PAYLOAD
    assert _refused(wire) is Kind.BAD_SIGNATURE
    record = KeyRecord(ACCESS_KEY, SECRET)
    allowing = Verifier(MemorySecrets([record]), unsigned_payload_services=frozenset({"lambda"}))
    caller = asyncio.run(
        allowing.verify(wire.method, wire.path, wire.query, wire.headers, b"other", NOW)
    )
    assert caller.payload_hash == UNSIGNED_PAYLOAD


def test_a_declared_payload_hash_does_not_replace_the_body_outside_s3() -> None:
    wire = _invoke()
    declared = wire.with_headers(**{"x-amz-content-sha256": UNSIGNED_PAYLOAD})
    assert _verify(declared).payload_hash == _verify(wire).payload_hash
    assert _refused(replace(declared, body=b"{}")) is Kind.BAD_SIGNATURE


def test_s3_presigned_url_with_a_session_token_verifies_until_it_expires() -> None:
    s3 = client("s3", token=TOKEN, signature_version="s3v4")
    wire = presigned_url(s3, "get_object", 600, Bucket="bucket", Key="dir/file name.txt")
    assert "X-Amz-Signature=" in wire.query
    assert "X-Amz-Security-Token=" in wire.query
    caller = _verify(wire, token=TOKEN)
    assert (caller.presigned, caller.temporary, caller.payload_hash) == (
        True,
        True,
        UNSIGNED_PAYLOAD,
    )
    assert _verify(wire, token=TOKEN, now=NOW + 600).presigned
    assert _refused(wire, token=TOKEN, now=NOW + 601) is Kind.EXPIRED
    longer = replace(wire, query=wire.query.replace("X-Amz-Expires=600", "X-Amz-Expires=6000"))
    assert _refused(longer, token=TOKEN) is Kind.BAD_SIGNATURE


def test_sts_presigned_query_verifies() -> None:
    url = "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
    wire = presigned_query("sts", url, 60, token=TOKEN)
    assert _verify(wire, token=TOKEN).presigned
    assert _refused(wire, token=TOKEN, now=NOW + 61) is Kind.EXPIRED
    other = replace(wire, query=wire.query.replace("GetCallerIdentity", "GetSessionToken"))
    assert _refused(other, token=TOKEN) is Kind.BAD_SIGNATURE


def test_a_large_body_is_hashed_off_the_loop_and_still_checked() -> None:
    payload = b'{"big": "' + b"x" * (1 << 20) + b'"}'
    wire = signed(client("lambda"), "invoke", FunctionName="f", Payload=payload)
    assert len(wire.body) > OFFLOAD_HASH_BYTES
    assert _verify(wire).payload_hash == hashlib.sha256(payload).hexdigest()
    assert _refused(replace(wire, body=payload[:-2] + b"y}")) is Kind.BAD_SIGNATURE
    s3 = signed(client("s3"), "put_object", Bucket="b", Key="k", Body=payload)
    assert _verify(s3).service == "s3"
    assert _refused(replace(s3, body=payload[:-2] + b"y}")) is Kind.PAYLOAD_MISMATCH
