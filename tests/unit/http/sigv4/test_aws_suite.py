"""Every case of AWS's SigV4 test suite: the canonical request, the string to sign and the
Authorization header are AWS's, and `Verifier` accepts the signed request at the suite's
time and refuses it when one thing is wrong."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from nubis.http import canonical
from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import Verifier
from nubis.http.sigv4_errors import Kind, SigV4Error

from .suite import ACCESS_KEY, AMZ_DATE, NOW, REGION, SECRET, SERVICE, Case, RawRequest, cases

CASES = cases()
SCOPE = f"{AMZ_DATE[:8]}/{REGION}/{SERVICE}/aws4_request"


def _signed_headers(authz: str) -> str:
    return authz.split("SignedHeaders=")[1].split(",")[0]


def _creq(case: Case) -> str:
    req = case.request()
    token = case.request("sreq").headers.get("x-amz-security-token")
    if token is not None and "x-amz-security-token" in _signed_headers(case.text("authz")):
        req.headers["x-amz-security-token"] = token  # the signer adds it, as botocore does
    payload = hashlib.sha256(req.body).hexdigest()
    return canonical.canonical_request(
        req.method, req.path, req.query, req.headers, _signed_headers(case.text("authz")), payload
    )


def _verifier(case: Case, secret: str = SECRET) -> Verifier:
    token = case.request("sreq").headers.get("x-amz-security-token")
    return Verifier(MemorySecrets([KeyRecord(ACCESS_KEY, secret, session_token=token)]))


def _signed(case: Case) -> RawRequest:
    """The signed request, its Authorization the suite's `.authz` (the `.sreq` of
    get-vanilla-with-session-token carries get-vanilla's signature, a slip in the suite)."""
    req = case.request("sreq")
    req.headers["authorization"] = case.text("authz")
    return req


def _verify(case: Case, verifier: Verifier, now: float = NOW, **changes: str) -> None:
    req = _signed(case)
    headers = {**req.headers, **changes}
    asyncio.run(verifier.verify(req.method, req.path, req.query, headers, req.body, now))


def test_the_suite_is_all_there() -> None:
    assert len(CASES) == 34
    assert (CASES[0].folder.parent / "LICENSE").exists()
    for case in CASES:
        for ext in ("req", "creq", "sts", "authz", "sreq"):
            assert case.text(ext)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_canonical_request_string_to_sign_and_authorization(case: Case) -> None:
    creq = _creq(case)
    assert creq == case.text("creq")
    sts = canonical.string_to_sign(AMZ_DATE, SCOPE, creq)
    assert sts == case.text("sts")
    key = canonical.derive_key(SECRET, AMZ_DATE[:8], REGION, SERVICE)
    signed = _signed_headers(case.text("authz"))
    expected = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{SCOPE}, "
        f"SignedHeaders={signed}, Signature={canonical.sign(key, sts)}"
    )
    assert expected == case.text("authz")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_verify_accepts_the_signed_request(case: Case) -> None:
    verifier = _verifier(case)
    req = _signed(case)
    caller = asyncio.run(
        verifier.verify(req.method, req.path, req.query, req.headers, req.body, NOW)
    )
    assert (caller.access_key, caller.region, caller.service) == (ACCESS_KEY, REGION, SERVICE)
    assert caller.temporary == ("x-amz-security-token" in req.headers)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_verify_refuses_a_changed_signature_a_wrong_secret_and_16_minutes_later(
    case: Case,
) -> None:
    authz = case.text("authz")
    changed = authz[:-1] + ("0" if authz[-1] != "0" else "1")
    with pytest.raises(SigV4Error) as raised:
        _verify(case, _verifier(case), authorization=changed)
    assert raised.value.kind is Kind.BAD_SIGNATURE
    with pytest.raises(SigV4Error) as raised:
        _verify(case, _verifier(case, secret=SECRET[:-1] + "X"))
    assert raised.value.kind is Kind.BAD_SIGNATURE
    with pytest.raises(SigV4Error) as raised:
        _verify(case, _verifier(case), now=NOW + 16 * 60)
    assert raised.value.kind is Kind.SKEWED
    assert raised.value.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124700Z "
        "(20150830T125200Z - 5 min.)"
    )
