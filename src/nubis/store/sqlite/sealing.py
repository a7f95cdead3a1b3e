"""Secrets at rest: sealed with a key kept in a file of its own, outside the database.

The SigV4 verifier needs each secret access key itself (the signature is an HMAC keyed by
it), so secrets cannot be stored as hashes. They are sealed instead: a copy of the
database alone (a backup of `nubis.db`, a dump of its tables) does not hand them out.
The key file is created on first use with mode 0600 (`O_EXCL`: two processes never make
two keys); whoever can read it and the database can read the secrets, as the server can.

The construction uses the standard library only (no cipher is available there):
encrypt-then-MAC with two keys derived from the file's 32 random bytes,

    keystream = HMAC-SHA256(k_enc, nonce || counter) for counter = 0, 1, ...   (PRF-CTR)
    tag       = HMAC-SHA256(k_mac, aad || 0x00 || nonce || ciphertext)

with a random 16-byte nonce per seal and the record's key (an access key id) as `aad`,
so a sealed value copied onto another row does not open. Sealed text is
`v1:` + base64(nonce || ciphertext || tag).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

PREFIX = "v1:"
_NONCE = 16
_TAG = 32
_KEY_BYTES = 32


class SealError(Exception):
    """A sealed value that does not open with this key (another key file, or tampered)."""


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, created (mode 0600) if the file does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != _KEY_BYTES:
            raise SealError(f"{path} is not a key file ({len(key)} bytes)") from None
        return key
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hmac.digest(key, nonce + i.to_bytes(4, "big"), hashlib.sha256) for i in range(blocks)
    )[:length]


class Sealer:
    """Seals and opens short strings with one key. Immutable; thread-safe."""

    def __init__(self, key: bytes) -> None:
        self._enc = hmac.digest(key, b"nubis-seal-enc", hashlib.sha256)
        self._mac = hmac.digest(key, b"nubis-seal-mac", hashlib.sha256)

    def _tag(self, aad: str, nonce: bytes, ciphertext: bytes) -> bytes:
        return hmac.digest(self._mac, aad.encode() + b"\0" + nonce + ciphertext, hashlib.sha256)

    def seal(self, plaintext: str, aad: str) -> str:
        nonce = secrets.token_bytes(_NONCE)
        data = plaintext.encode()
        ciphertext = bytes(
            a ^ b for a, b in zip(data, _keystream(self._enc, nonce, len(data)), strict=True)
        )
        sealed = nonce + ciphertext + self._tag(aad, nonce, ciphertext)
        return PREFIX + base64.b64encode(sealed).decode("ascii")

    def open(self, sealed: str, aad: str) -> str:
        if not sealed.startswith(PREFIX):
            raise SealError("not a sealed value")
        raw = base64.b64decode(sealed[len(PREFIX) :])
        if len(raw) < _NONCE + _TAG:
            raise SealError("sealed value too short")
        nonce, ciphertext, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
        if not hmac.compare_digest(tag, self._tag(aad, nonce, ciphertext)):
            raise SealError("sealed value does not open with this key")
        stream = _keystream(self._enc, nonce, len(ciphertext))
        return bytes(a ^ b for a, b in zip(ciphertext, stream, strict=True)).decode()
