"""Reading what a SigV4-signed request claims: `parse_authorization`.

The header form (`Authorization: AWS4-HMAC-SHA256 Credential=AK/date/region/service/
aws4_request, SignedHeaders=..., Signature=...`, the time in `X-Amz-Date` or `Date`) and the
presigned query (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
`X-Amz-SignedHeaders`, `X-Amz-Signature`, `X-Amz-Security-Token`). What cannot be read
raises `SigV4Error` (MALFORMED, or SCOPE for a credential scope that names no region or a
wrong terminator) with AWS's message for it. String methods, no regex over the header:
this runs on every request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import unquote

from nubis.http import canonical
from nubis.http.sigv4_errors import Kind, SigV4Error

MAX_EXPIRES = 604800  # a week: SigV4's limit on X-Amz-Expires
H_AUTHORIZATION = "authorization"
H_DATE = "x-amz-date"
H_HTTP_DATE = "date"
H_TOKEN = "x-amz-security-token"
H_CONTENT_SHA256 = "x-amz-content-sha256"
Q_ALGORITHM = "X-Amz-Algorithm"
Q_CREDENTIAL = "X-Amz-Credential"
Q_DATE = "X-Amz-Date"
Q_EXPIRES = "X-Amz-Expires"
Q_SIGNED_HEADERS = "X-Amz-SignedHeaders"
Q_SIGNATURE = "X-Amz-Signature"
Q_TOKEN = "X-Amz-Security-Token"
_PRESIGN_REQUIRED = (Q_ALGORITHM, Q_CREDENTIAL, Q_SIGNATURE, Q_DATE, Q_SIGNED_HEADERS)

_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
MSG_REQUIRES = "Authorization header requires '{name}' parameter. "
MSG_REQUIRES_DATE = (
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
)
MSG_PAIR = (
    "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
)
MSG_CREDENTIAL = (
    "Credential must have exactly 5 slash-delimited elements, "
    "e.g. keyid/date/region/service/term, got '{credential}'"
)
MSG_TERMINATOR = (
    "Credential should be scoped with a valid terminator: 'aws4_request', not '{term}'. "
)
MSG_REGION = "Credential should be scoped to a valid region. "
MSG_SERVICE = "Credential should be scoped to correct service: '{service}'. "
MSG_DATE_FORMAT = (
    "Date must be in ISO-8601 'basic format'. Got '{date}'. "
    "See http://en.wikipedia.org/wiki/ISO_8601"
)
MSG_DATE_SCOPE = (
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
    "HTTP: '{scope}' != '{date}', from '{amz_date}'."
)
MSG_HOST = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
MSG_QUERY_REQUIRES = (
    "AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
)
MSG_TWO_MECHANISMS = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
    "Signature query string parameter or the Authorization header should be specified"
)
MSG_QUERY_ALGORITHM = 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
MSG_EXPIRES_NUMBER = "X-Amz-Expires should be a number"
MSG_EXPIRES_NEGATIVE = "X-Amz-Expires must be non-negative"
MSG_EXPIRES_WEEK = "X-Amz-Expires must be less than a week (in seconds) that is 604800"


class SignedRequestInfo(NamedTuple):
    """What a request's signature claims, read from its header or query. (A NamedTuple:
    it is built on every request, and a frozen dataclass costs a microsecond more.)"""

    access_key: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: str  # as sent: "host;x-amz-date"
    signature: str
    amz_date: str  # YYYYMMDDTHHMMSSZ: the request time the signature covers
    timestamp: float  # amz_date in Unix seconds
    presigned: bool = False
    expires: int | None = None  # X-Amz-Expires of a presigned request
    security_token: str | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{canonical.TERMINATOR}"


# Recent X-Amz-Date values and their Unix seconds: most requests of a second share one.
_RECENT_DATES: dict[str, float] = {}
_RECENT_MAX = 64


def _parse_amz_date(value: str, presigned: bool) -> float:
    moment = _RECENT_DATES.get(value)
    if moment is None:
        moment = _amz_date_seconds(value, presigned)
        if len(_RECENT_DATES) >= _RECENT_MAX:
            _RECENT_DATES.clear()
        _RECENT_DATES[value] = moment
    return moment


def _amz_date_seconds(value: str, presigned: bool) -> float:
    if not _AMZ_DATE.fullmatch(value):
        raise SigV4Error(Kind.MALFORMED, MSG_DATE_FORMAT.format(date=value), presigned=presigned)
    try:
        moment = datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        raise SigV4Error(
            Kind.MALFORMED, MSG_DATE_FORMAT.format(date=value), presigned=presigned
        ) from None
    return moment.timestamp()


def _request_date(headers: Mapping[str, str]) -> str | None:
    """X-Amz-Date, else the HTTP Date header in SigV4's basic format; None if neither."""
    amz = headers.get(H_DATE)
    if amz:
        return amz
    http_date = headers.get(H_HTTP_DATE)
    if not http_date:
        return None
    try:
        return parsedate_to_datetime(http_date).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return http_date  # reported as a date that is not ISO-8601


def _split_credential(credential: str, presigned: bool) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5:
        raise SigV4Error(
            Kind.MALFORMED, MSG_CREDENTIAL.format(credential=credential), presigned=presigned
        )
    access_key, date, region, service, term = parts
    if term != canonical.TERMINATOR:
        raise SigV4Error(Kind.SCOPE, MSG_TERMINATOR.format(term=term), presigned=presigned)
    if not region:
        raise SigV4Error(Kind.SCOPE, MSG_REGION, presigned=presigned)
    return access_key, date, region, service


def _check_signed_headers(signed: str, presigned: bool) -> None:
    if "host" not in signed.split(";"):
        raise SigV4Error(Kind.MALFORMED, MSG_HOST, presigned=presigned)


def _parse_header(auth: str, headers: Mapping[str, str]) -> SignedRequestInfo:
    algorithm, _, rest = auth.strip().partition(" ")
    fields: dict[str, str] = {}
    if algorithm == canonical.ALGORITHM:
        for part in rest.split(","):
            part = part.strip()
            if not part:
                continue
            name, eq, value = part.partition("=")
            if not eq:
                raise SigV4Error(Kind.MALFORMED, MSG_PAIR.format(pair=part, header=auth))
            fields[name.strip()] = value.strip()
    missing = [
        MSG_REQUIRES.format(name=name)
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    amz_date = _request_date(headers)
    if amz_date is None:
        missing.append(MSG_REQUIRES_DATE)
    if missing or amz_date is None:
        raise SigV4Error(Kind.MALFORMED, "".join(missing) + f"Authorization={auth}")
    access_key, date, region, service = _split_credential(fields["Credential"], False)
    _check_signed_headers(fields["SignedHeaders"], False)
    return SignedRequestInfo(
        access_key,
        date,
        region,
        service,
        fields["SignedHeaders"],
        fields["Signature"],
        amz_date,
        _parse_amz_date(amz_date, False),
        security_token=headers.get(H_TOKEN),
    )


def _query_params(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for piece in query.split("&"):
        name, _, value = piece.partition("=")
        out.setdefault(unquote(name), unquote(value))
    return out


def _parse_expires(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        expires = int(value)
    except ValueError:
        raise SigV4Error(Kind.MALFORMED, MSG_EXPIRES_NUMBER, presigned=True) from None
    if expires < 0:
        raise SigV4Error(Kind.MALFORMED, MSG_EXPIRES_NEGATIVE, presigned=True)
    if expires > MAX_EXPIRES:
        raise SigV4Error(Kind.MALFORMED, MSG_EXPIRES_WEEK, presigned=True)
    return expires


def _parse_presigned(params: Mapping[str, str]) -> SignedRequestInfo:
    for name in _PRESIGN_REQUIRED:
        if not params.get(name):
            raise SigV4Error(Kind.MALFORMED, MSG_QUERY_REQUIRES.format(name=name), presigned=True)
    if params[Q_ALGORITHM] != canonical.ALGORITHM:
        raise SigV4Error(Kind.MALFORMED, MSG_QUERY_ALGORITHM, presigned=True)
    access_key, date, region, service = _split_credential(params[Q_CREDENTIAL], True)
    expires = _parse_expires(params.get(Q_EXPIRES))
    if expires is None and service == "s3":
        raise SigV4Error(Kind.MALFORMED, MSG_QUERY_REQUIRES.format(name=Q_EXPIRES), presigned=True)
    _check_signed_headers(params[Q_SIGNED_HEADERS], True)
    amz_date = params[Q_DATE]
    return SignedRequestInfo(
        access_key,
        date,
        region,
        service,
        params[Q_SIGNED_HEADERS],
        params[Q_SIGNATURE],
        amz_date,
        _parse_amz_date(amz_date, True),
        presigned=True,
        expires=expires,
        security_token=params.get(Q_TOKEN),
    )


def parse_authorization(headers: Mapping[str, str], query: str) -> SignedRequestInfo | None:
    """The signature a request claims; None when it carries none (no `Authorization`
    header, no `X-Amz-Algorithm` query parameter). `headers` has lower-case names, `query`
    is the raw query string. Raises SigV4Error (MALFORMED, SCOPE) for one it cannot read."""
    auth = headers.get(H_AUTHORIZATION)
    if auth is not None:
        if Q_ALGORITHM in query and Q_ALGORITHM in _query_params(query):
            raise SigV4Error(Kind.TWO_MECHANISMS, MSG_TWO_MECHANISMS)
        return _parse_header(auth, headers)
    if Q_ALGORITHM in query:
        params = _query_params(query)
        if Q_ALGORITHM in params:
            return _parse_presigned(params)
    return None
