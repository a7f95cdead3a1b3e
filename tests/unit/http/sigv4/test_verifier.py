"""The verifier's refusals, AWS's texts for them per protocol family, and the signing-key
cache. Requests are the AWS suite's get-vanilla, signed again where a test needs another
time, key or scope."""

from __future__ import annotations

import asyncio

import pytest

from nubis.http import canonical
from nubis.http.authorization import parse_authorization
from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import Verifier
from nubis.http.sigv4_errors import Family, Kind, SigV4Error, family_for, wire_error

from .suite import ACCESS_KEY, AMZ_DATE, NOW, SECRET

HOST = "example.amazonaws.com"


def _sign(
    *,
    amz_date: str = AMZ_DATE,
    scope_date: str | None = None,
    service: str = "service",
    access_key: str = ACCESS_KEY,
    secret: str = SECRET,
    token: str | None = None,
) -> dict[str, str]:
    """Headers of `GET /` signed with host;x-amz-date (and the token when given)."""
    headers = {"host": HOST, "x-amz-date": amz_date}
    signed = "host;x-amz-date"
    if token is not None:
        headers["x-amz-security-token"] = token
        signed += ";x-amz-security-token"
    date = scope_date or amz_date[:8]
    scope = f"{date}/us-east-1/{service}/aws4_request"
    creq = canonical.canonical_request("GET", "/", "", headers, signed, canonical.EMPTY_SHA256)
    key = canonical.derive_key(secret, date, "us-east-1", service)
    signature = canonical.sign(key, canonical.string_to_sign(amz_date, scope, creq))
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return headers


def _refuse(verifier: Verifier, headers: dict[str, str], now: float = NOW, **kw: str) -> SigV4Error:
    with pytest.raises(SigV4Error) as raised:
        asyncio.run(verifier.verify("GET", "/", "", headers, b"", now, **kw))
    return raised.value


def _verifier(*records: KeyRecord) -> Verifier:
    return Verifier(MemorySecrets(list(records) or [KeyRecord(ACCESS_KEY, SECRET)]))


def test_an_unsigned_request_is_missing_authentication() -> None:
    error = _refuse(_verifier(), {"host": HOST})
    assert error.kind is Kind.MISSING
    assert wire_error(error, Family.JSON) == (
        ("MissingAuthenticationTokenException", 403, "Missing Authentication Token")
    )
    assert wire_error(error, Family.QUERY).message == "Request is missing Authentication Token"
    assert parse_authorization({"host": HOST}, "Action=ListQueues") is None


def test_an_authorization_of_another_scheme_names_every_missing_part() -> None:
    error = _refuse(_verifier(), {"host": HOST, "authorization": "Bearer abc"})
    assert error.kind is Kind.MALFORMED
    assert error.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=Bearer abc"
    )
    assert wire_error(error, Family.JSON)[:2] == ("IncompleteSignatureException", 400)
    assert wire_error(error, Family.QUERY)[:2] == ("IncompleteSignature", 400)
    assert wire_error(error, Family.S3)[:2] == ("AuthorizationHeaderMalformed", 400)


def test_a_pair_without_equal_sign_is_quoted() -> None:
    auth = "AWS4-HMAC-SHA256 Credential= AK/20150830/us-east-1/service/aws4_request, Sig"
    error = _refuse(_verifier(), {"host": HOST, "x-amz-date": AMZ_DATE, "authorization": auth})
    assert error.message == (
        f"'Sig' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'."
    )


def test_credential_scope_errors() -> None:
    headers = _sign()
    bad = {**headers, "authorization": headers["authorization"].replace("/service/", "/")}
    assert _refuse(_verifier(), bad).message.startswith(
        "Credential must have exactly 5 slash-delimited elements, "
        "e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/aws4_request'"
    )
    error = _refuse(_verifier(), headers, service="lambda")
    assert (error.kind, error.message) == (
        Kind.SCOPE,
        "Credential should be scoped to correct service: 'lambda'. ",
    )
    assert wire_error(error, Family.JSON)[:2] == ("InvalidSignatureException", 403)
    error = _refuse(_verifier(), _sign(scope_date="20150831"))
    assert error.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20150831' != '20150830', from '20150830T123600Z'."
    )


def test_a_date_not_in_basic_format() -> None:
    headers = {**_sign(), "x-amz-date": "2015-08-30T12:36:00Z"}
    error = _refuse(_verifier(), headers)
    assert error.kind is Kind.MALFORMED
    assert error.message.startswith("Date must be in ISO-8601 'basic format'. Got '2015-08-30")


def test_the_http_date_header_stands_in_for_x_amz_date() -> None:
    headers = _sign()
    headers["authorization"] = headers["authorization"].replace("host;x-amz-date", "host")
    creq = canonical.canonical_request("GET", "/", "", headers, "host", canonical.EMPTY_SHA256)
    scope = "20150830/us-east-1/service/aws4_request"
    key = canonical.derive_key(SECRET, "20150830", "us-east-1", "service")
    signature = canonical.sign(key, canonical.string_to_sign(AMZ_DATE, scope, creq))
    auth = headers["authorization"].rpartition("Signature=")[0] + f"Signature={signature}"
    dated = {"host": HOST, "date": "Sun, 30 Aug 2015 12:36:00 GMT", "authorization": auth}
    caller = asyncio.run(_verifier().verify("GET", "/", "", dated, b"", NOW))
    assert caller.amz_date == AMZ_DATE


def test_clock_skew_both_ways() -> None:
    verifier = _verifier()
    late = _refuse(verifier, _sign(), now=NOW + 301)
    assert late.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
        "(20150830T124101Z - 5 min.)"
    )
    early = _refuse(verifier, _sign(), now=NOW - 301)
    assert early.message == (
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
        "(20150830T123059Z + 5 min.)"
    )
    assert wire_error(early, Family.QUERY)[:2] == ("SignatureDoesNotMatch", 403)
    assert wire_error(early, Family.S3)[:2] == ("RequestTimeTooSkewed", 403)
    for now in (NOW - 300, NOW + 300):
        asyncio.run(verifier.verify("GET", "/", "", _sign(), b"", now))


def test_unknown_key_per_family() -> None:
    error = _refuse(_verifier(), _sign(access_key="AKIDNOBODY"))
    assert error.kind is Kind.UNKNOWN_KEY
    assert wire_error(error, Family.JSON) == (
        (
            "UnrecognizedClientException",
            403,
            "The security token included in the request is invalid.",
        )
    )
    assert wire_error(error, Family.QUERY)[:2] == ("InvalidClientTokenId", 403)
    assert wire_error(error, Family.S3) == (
        (
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    )


def test_bad_signature_per_family() -> None:
    error = _refuse(_verifier(), _sign(secret="wrong"))
    assert wire_error(error, Family.JSON) == (
        (
            "InvalidSignatureException",
            403,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.",
        )
    )
    assert wire_error(error, Family.QUERY)[0] == "SignatureDoesNotMatch"
    assert wire_error(error, Family.S3).message.endswith("Check your key and signing method.")


def test_temporary_credentials_expire() -> None:
    record = KeyRecord(ACCESS_KEY, SECRET, session_token="tok", expires=NOW + 60)
    verifier = _verifier(record)
    assert asyncio.run(verifier.verify("GET", "/", "", _sign(token="tok"), b"", NOW)).temporary
    error = _refuse(verifier, _sign(token="tok"), now=NOW + 60)
    assert error.kind is Kind.TOKEN_EXPIRED
    assert wire_error(error, Family.JSON) == (
        ("ExpiredTokenException", 403, "The security token included in the request is expired")
    )
    assert wire_error(error, Family.QUERY)[:2] == ("ExpiredToken", 403)
    assert wire_error(error, Family.S3)[:2] == ("ExpiredToken", 400)


def test_presigned_parameters_are_checked() -> None:
    base = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20150830%2Fus-east-1%2Fs3"
        "%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=00"
    )
    headers = {"host": HOST}

    def refused(query: str) -> SigV4Error:
        with pytest.raises(SigV4Error) as raised:
            parse_authorization(headers, query)
        assert raised.value.presigned
        return raised.value

    assert refused(base).message.endswith(
        "must include 'X-Amz-Expires'. Re-examine the query-string parameters."
    )
    assert refused(base + "&X-Amz-Expires=x").message == "X-Amz-Expires should be a number"
    assert refused(base + "&X-Amz-Expires=-1").message == "X-Amz-Expires must be non-negative"
    week = refused(base + "&X-Amz-Expires=604801")
    assert wire_error(week, Family.S3) == (
        (
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        )
    )
    info = parse_authorization(headers, base + "&X-Amz-Expires=604800")
    assert info is not None
    assert (info.access_key, info.service, info.expires) == ("AK", "s3", 604800)


def test_family_of_each_protocol() -> None:
    assert family_for("rest-json", "lambda") is Family.JSON
    assert family_for("json", "sqs") is Family.JSON
    assert family_for("query", "sts") is Family.QUERY
    assert family_for("rest-xml", "route53") is Family.QUERY
    assert family_for("rest-xml", "s3") is Family.S3


def test_signing_keys_are_cached_bounded_and_forgotten() -> None:
    secrets = MemorySecrets([KeyRecord(ACCESS_KEY, SECRET), KeyRecord("AKIDOTHER", "other")])
    verifier = Verifier(secrets, cache_size=2)
    for service in ("one", "two", "three"):
        asyncio.run(verifier.verify("GET", "/", "", _sign(service=service), b"", NOW))
    assert verifier.cached_keys == 2
    asyncio.run(
        verifier.verify("GET", "/", "", _sign(access_key="AKIDOTHER", secret="other"), b"", NOW)
    )
    verifier.forget(ACCESS_KEY)
    assert verifier.cached_keys == 1


def test_a_rotated_secret_is_used_at_once_and_a_deleted_key_is_refused() -> None:
    secrets = MemorySecrets([KeyRecord(ACCESS_KEY, SECRET)])
    verifier = Verifier(secrets)
    asyncio.run(verifier.verify("GET", "/", "", _sign(), b"", NOW))
    secrets.put(KeyRecord(ACCESS_KEY, "rotated"))
    assert _refuse(verifier, _sign()).kind is Kind.BAD_SIGNATURE
    asyncio.run(verifier.verify("GET", "/", "", _sign(secret="rotated"), b"", NOW))
    secrets.delete(ACCESS_KEY)
    assert _refuse(verifier, _sign(secret="rotated")).kind is Kind.UNKNOWN_KEY


def test_a_signature_of_non_ascii_characters_is_refused_not_crashed() -> None:
    headers = _sign()
    headers["authorization"] = headers["authorization"][:-2] + "\xe9\xe9"
    assert _refuse(_verifier(), headers).kind is Kind.BAD_SIGNATURE


def test_a_header_and_a_presigned_query_together_are_refused() -> None:
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"
    with pytest.raises(SigV4Error) as raised:
        asyncio.run(_verifier().verify("GET", "/", query, _sign(), b"", NOW))
    assert raised.value.kind is Kind.TWO_MECHANISMS
    assert wire_error(raised.value, Family.S3) == (
        "InvalidArgument",
        400,
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
    )
    assert wire_error(raised.value, Family.JSON)[:2] == ("IncompleteSignatureException", 400)
