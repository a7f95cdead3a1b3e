"""SigV4 request verification: who signed a request, and whether the signature holds.

    Verifier(secrets).verify(method, path, query, headers, body, now) -> VerifiedCaller
                                                        or raises SigV4Error (sigv4_errors)
    Verifier(secrets).verify_signed(info, ...)      the same for a request already read by
                                                    authorization.parse_authorization

Both forms AWS accepts: the `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=
..., Signature=...` header (with `X-Amz-Date` or `Date`), and the presigned query
(`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
`X-Amz-Signature`). Temporary credentials carry `X-Amz-Security-Token` (header or query),
signed or not. Checks, in order: the header/query can be read (MALFORMED); the credential
scope names the request's date and, when the caller says which, its service (SCOPE); the
time is inside the window (header form: AWS's clock skew, 5 minutes, 15 for STS and S3;
presigned: X-Amz-Date + X-Amz-Expires, at most 604800 s) (SKEWED, EXPIRED); the key exists
(UNKNOWN_KEY) and its session token matches and has not expired (TOKEN_*); the signature
matches, compared in constant time (BAD_SIGNATURE); for S3, `x-amz-content-sha256` is the
body's hash (PAYLOAD_*).

Payload: for S3 the hash is `x-amz-content-sha256` as sent (`UNSIGNED-PAYLOAD` and the
`STREAMING-*` forms allowed; a hex hash is checked against the body); a presigned S3 URL
signs `UNSIGNED-PAYLOAD`. Every other service hashes the body itself, and
`UNSIGNED-PAYLOAD` counts only for services named in `unsigned_payload_services`.

Signing keys are derived once per (key, secret, date, region, service) and kept in a
bounded LRU cache; a rotated secret is a new cache entry, `forget(access_key)` drops a
deleted key's entries at once. The Verifier is for one event loop (no locks); `verify`
awaits the `SecretSource`, and a worker thread for the hash of a body of 256 KB or more.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nubis.http import canonical
from nubis.http.authorization import (
    H_CONTENT_SHA256,
    MSG_DATE_SCOPE,
    MSG_SERVICE,
    SignedRequestInfo,
    parse_authorization,
)
from nubis.http.secrets import KeyRecord, SecretSource
from nubis.http.sigv4_errors import (
    MSG_BAD_SIGNATURE,
    MSG_EXPIRED,
    MSG_NOT_YET,
    MSG_TOKEN_EXPIRED,
    MSG_TOKEN_INVALID,
    Kind,
    SigV4Error,
)

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
S3_PAYLOAD_LITERALS = frozenset(
    {
        UNSIGNED_PAYLOAD,
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        STREAMING_PAYLOAD,
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    }
)
DEFAULT_SKEW = 300  # seconds either side of the server's clock (Lambda, most services)
SKEW_BY_SERVICE: Mapping[str, int] = {"s3": 900, "sts": 900}
CACHE_SIZE = 4096
OFFLOAD_HASH_BYTES = 256 * 1024  # bodies from this size are hashed off the event loop
_HEX64 = re.compile(r"[0-9a-f]{64}")


MSG_PAYLOAD_MISSING = "Missing required header for this request: x-amz-content-sha256"
MSG_PAYLOAD_INVALID = (
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
    "or a valid sha256 value."
)
MSG_PRESIGN_EXPIRED = (
    "Signature expired: {date} is now earlier than {earliest} ({now} - {expires} sec.)"
)


@dataclass(frozen=True, slots=True)
class VerifiedCaller:
    """A request whose signature holds. `payload_hash` is what the signature covers
    (a hex hash, UNSIGNED-PAYLOAD, or a STREAMING-* form whose chunks the body decoder
    verifies with `signing_key` and `signature`, the seed)."""

    access_key: str
    principal: str
    region: str
    service: str
    temporary: bool
    presigned: bool
    payload_hash: str
    amz_date: str
    signature: str
    signing_key: bytes = field(repr=False)

    @property
    def scope(self) -> str:
        return f"{self.amz_date[:8]}/{self.region}/{self.service}/{canonical.TERMINATOR}"


def _fmt(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y%m%dT%H%M%SZ")


def check_time(info: SignedRequestInfo, now: float, window: int) -> None:
    """SKEWED or EXPIRED unless `now` (Unix seconds) is inside the request's window."""
    moment = info.timestamp
    if info.presigned and info.expires is not None:
        if now > moment + info.expires:
            message = MSG_PRESIGN_EXPIRED.format(
                date=info.amz_date,
                earliest=_fmt(now - info.expires),
                now=_fmt(now),
                expires=info.expires,
            )
            raise SigV4Error(Kind.EXPIRED, message, presigned=True)
    elif moment < now - window:
        message = MSG_EXPIRED.format(
            date=info.amz_date,
            earliest=_fmt(now - window),
            now=_fmt(now),
            window=f"{window // 60} min.",
        )
        raise SigV4Error(Kind.SKEWED, message, presigned=info.presigned)
    if moment > now + window:
        message = MSG_NOT_YET.format(
            date=info.amz_date,
            latest=_fmt(now + window),
            now=_fmt(now),
            window=f"{window // 60} min.",
        )
        raise SigV4Error(Kind.SKEWED, message, presigned=info.presigned)


def check_token(info: SignedRequestInfo, record: KeyRecord, now: float) -> None:
    """TOKEN_INVALID unless the request carries exactly the key's session token (none for
    a long-term key); TOKEN_EXPIRED for temporary credentials past their expiry."""
    sent = info.security_token
    expected = record.session_token
    if expected is None:
        if sent is not None:
            raise SigV4Error(Kind.TOKEN_INVALID, MSG_TOKEN_INVALID, presigned=info.presigned)
        return
    if sent is None or not hmac.compare_digest(
        canonical.to_bytes(sent), canonical.to_bytes(expected)
    ):
        raise SigV4Error(Kind.TOKEN_INVALID, MSG_TOKEN_INVALID, presigned=info.presigned)
    if record.expires is not None and now >= record.expires:
        raise SigV4Error(Kind.TOKEN_EXPIRED, MSG_TOKEN_EXPIRED, presigned=info.presigned)


class Verifier:
    """Verifies SigV4 signatures against the keys of `secrets` (see the module docstring).
    `skew` maps a service to its clock-skew window in seconds (default `DEFAULT_SKEW`)."""

    def __init__(
        self,
        secrets: SecretSource,
        *,
        cache_size: int = CACHE_SIZE,
        unsigned_payload_services: frozenset[str] = frozenset({"s3"}),
        skew: Mapping[str, int] = SKEW_BY_SERVICE,
    ) -> None:
        self._secrets = secrets
        self._cache_size = cache_size
        self._unsigned = unsigned_payload_services
        self._skew = skew
        # (access key, secret, date, region, service) -> signing key, least recent first
        self._keys: OrderedDict[tuple[str, str, str, str, str], bytes] = OrderedDict()

    def forget(self, access_key: str) -> None:
        """Drop the signing keys derived from `access_key` (deleted or rotated)."""
        for entry in [entry for entry in self._keys if entry[0] == access_key]:
            del self._keys[entry]

    @property
    def cached_keys(self) -> int:
        return len(self._keys)

    def signing_key(self, record: KeyRecord, info: SignedRequestInfo) -> bytes:
        entry = (record.access_key, record.secret, info.date, info.region, info.service)
        key = self._keys.get(entry)
        if key is not None:
            self._keys.move_to_end(entry)
            return key
        key = canonical.derive_key(record.secret, info.date, info.region, info.service)
        self._keys[entry] = key
        if len(self._keys) > self._cache_size:
            self._keys.popitem(last=False)
        return key

    async def verify(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
        *,
        service: str | None = None,
    ) -> VerifiedCaller:
        """The caller of a signed request, or SigV4Error. `path` and `query` as sent
        (percent-encoded), `headers` with lower-case names, `now` in Unix seconds;
        `service`, when given, is the one the credential scope must name."""
        info = parse_authorization(headers, query)
        if info is None:
            raise SigV4Error(Kind.MISSING, "Missing Authentication Token")
        return await self.verify_signed(info, method, path, query, headers, body, now, service)

    async def verify_signed(
        self,
        info: SignedRequestInfo,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
        service: str | None = None,
    ) -> VerifiedCaller:
        """`verify` for a request already parsed by `parse_authorization`."""
        presigned = info.presigned
        if service is not None and info.service != service:
            raise SigV4Error(Kind.SCOPE, MSG_SERVICE.format(service=service), presigned=presigned)
        if info.date != info.amz_date[:8]:
            message = MSG_DATE_SCOPE.format(
                scope=info.date, date=info.amz_date[:8], amz_date=info.amz_date
            )
            raise SigV4Error(Kind.SCOPE, message, presigned=presigned)
        check_time(info, now, self._skew.get(info.service, DEFAULT_SKEW))
        record = await self._secrets.secret(info.access_key)
        if record is None:
            raise SigV4Error(Kind.UNKNOWN_KEY, MSG_TOKEN_INVALID, presigned=presigned)
        check_token(info, record, now)
        s3 = info.service == "s3"
        payload = self._declared_payload(info, headers, s3) or await body_sha256(body)
        creq = canonical.canonical_request(
            method, path, query, headers, info.signed_headers, payload, s3=s3, presigned=presigned
        )
        key = self.signing_key(record, info)
        expected = canonical.sign(key, canonical.string_to_sign(info.amz_date, info.scope, creq))
        if not hmac.compare_digest(expected.encode(), canonical.to_bytes(info.signature)):
            raise SigV4Error(Kind.BAD_SIGNATURE, MSG_BAD_SIGNATURE, presigned=presigned)
        if s3 and _HEX64.fullmatch(payload) and await body_sha256(body) != payload:
            raise SigV4Error(Kind.PAYLOAD_MISMATCH, MSG_BAD_SIGNATURE)
        return VerifiedCaller(
            record.access_key,
            record.principal,
            info.region,
            info.service,
            record.temporary,
            presigned,
            payload,
            info.amz_date,
            info.signature,
            key,
        )

    def _declared_payload(
        self, info: SignedRequestInfo, headers: Mapping[str, str], s3: bool
    ) -> str | None:
        """The payload hash the signature covers when it is not the body's own (None)."""
        declared = headers.get(H_CONTENT_SHA256)
        if s3:
            if info.presigned:
                return UNSIGNED_PAYLOAD
            if declared is None:
                raise SigV4Error(Kind.PAYLOAD_HASH_MISSING, MSG_PAYLOAD_MISSING)
            if declared in S3_PAYLOAD_LITERALS or _HEX64.fullmatch(declared):
                return declared
            raise SigV4Error(Kind.PAYLOAD_HASH_INVALID, MSG_PAYLOAD_INVALID)
        if declared == UNSIGNED_PAYLOAD and info.service in self._unsigned:
            return UNSIGNED_PAYLOAD
        return None


async def body_sha256(body: bytes) -> str:
    """The hex SHA-256 of `body`; a large body is hashed in a worker thread (hashlib
    releases the GIL), so that a 6 MB Invoke payload (about 12 ms) does not stall the
    event loop."""
    if not body:
        return canonical.EMPTY_SHA256
    if len(body) < OFFLOAD_HASH_BYTES:
        return hashlib.sha256(body).hexdigest()
    digest = await asyncio.to_thread(hashlib.sha256, body)
    return digest.hexdigest()
