"""SigV4 canonicalisation: the canonical request, the string to sign, the signing key.

Exactly AWS's rules (docs: "Create a canonical request for Signature Version 4"), checked
against AWS's SigV4 test suite and botocore's signer:

- URI: for every service but S3, the path as sent with dot segments and repeated slashes
  removed, then URI-encoded once more (so `%3A` on the wire is `%253A` here: "encoded
  twice"); for S3, neither normalised nor encoded twice (each segment decoded and encoded
  once, which leaves a path encoded AWS's way unchanged).
- Query: every `name=value` pair decoded and URI-encoded (unreserved characters kept,
  upper-case hex), sorted by name then value; the presigned form leaves `X-Amz-Signature`
  out.
- Headers: the signed ones, lower-case, values trimmed with runs of whitespace collapsed
  to one space, one `name:value` line each, in the order `SignedHeaders` lists them.

Strings here carry bytes: each character is one byte (latin-1), which is how
`nubis.http11` hands over paths, queries and header values, so that bytes beyond ASCII on
the wire are hashed as sent. A string holding characters beyond U+00FF (a caller that
decoded UTF-8) is taken as UTF-8.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# What needs no encoding: the fast path of the common request (`/2015-03-31/functions`).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")
_PLAIN_QUERY_PART = re.compile(r"[A-Za-z0-9\-._~]*")


def to_bytes(text: str) -> bytes:
    """The bytes a carrier string stands for (see the module docstring)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def canonical_uri(path: str, *, s3: bool) -> str:
    if not path:
        return "/"
    if s3:
        if _PLAIN_PATH.fullmatch(path):
            return path
        return "/".join(quote(unquote_to_bytes(to_bytes(seg)), safe="") for seg in path.split("/"))
    if _PLAIN_PATH.fullmatch(path) and "//" not in path and "/." not in path:
        return path
    return quote(to_bytes(_remove_dot_segments(path)), safe="/~")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, and empty segments dropped (AWS collapses `//`)."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    head = "/" if path.startswith("/") else ""
    tail = "/" if path.endswith("/") and out else ""
    return head + "/".join(out) + tail


def _encode_query_part(part: str) -> str:
    if _PLAIN_QUERY_PART.fullmatch(part):
        return part
    return quote(unquote_to_bytes(to_bytes(part)), safe="")


def canonical_query(query: str, *, presigned: bool = False) -> str:
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if presigned and name == "X-Amz-Signature":
            continue
        pairs.append((_encode_query_part(name), _encode_query_part(value)))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def _trim(value: str) -> str:
    """Leading and trailing whitespace removed, runs of it collapsed to one space (ASCII
    whitespace only: a byte 0xA0 inside a UTF-8 sequence is not a space)."""
    if (
        "  " not in value
        and "\t" not in value
        and "\n" not in value
        and "\r" not in value
        and value == value.strip(" ")
    ):
        return value
    return b" ".join(to_bytes(value).split()).decode("latin-1")


def canonical_headers(headers: Mapping[str, str], signed: Iterable[str]) -> str:
    """One `name:value\\n` line per signed header; `headers` has lower-case names (a name
    that was repeated on the wire holds its values joined with commas, see
    `combine_headers`). A signed header the request lacks has an empty value."""
    return "".join(f"{name}:{_trim(headers.get(name, ''))}\n" for name in signed)


def combine_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header fields as the signer saw them: names lower-cased, the trimmed values of a
    repeated name joined with commas in the order they came."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        value = _trim(value)
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: str,
    payload_hash: str,
    *,
    s3: bool = False,
    presigned: bool = False,
) -> str:
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path, s3=s3),
            canonical_query(query, presigned=presigned),
            canonical_headers(headers, signed_headers.split(";")),
            signed_headers,
            payload_hash,
        )
    )


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    """`scope` is `date/region/service/aws4_request`."""
    digest = hashlib.sha256(to_bytes(creq)).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def derive_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.digest(("AWS4" + secret).encode("utf-8"), date.encode("utf-8"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, TERMINATOR.encode("ascii"), "sha256")


def sign(key: bytes, text: str) -> str:
    return hmac.digest(key, to_bytes(text), "sha256").hex()
