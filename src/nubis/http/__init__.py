"""HTTP beneath every service: SigV4 canonicalisation and verification.

    authorization   what a signed request claims (`parse_authorization`)
    canonical       the canonical request, string to sign, signing key (AWS's rules)
    sigv4           `Verifier`: a request's signature checked against a `SecretSource`
    sigv4_errors    `SigV4Error` (a protocol-neutral `Kind`) and AWS's answer per family
    secrets         the `SecretSource` boundary and `MemorySecrets`

Knows no service: the gateway says which service a request is for and renders the error
in that service's protocol. (The HTTP/1.1 server itself is `nubis.http11`.)
"""

from nubis.http.authorization import SignedRequestInfo, parse_authorization
from nubis.http.secrets import KeyRecord, MemorySecrets, SecretSource
from nubis.http.sigv4 import VerifiedCaller, Verifier
from nubis.http.sigv4_errors import Family, Kind, SigV4Error, WireError, family_for, wire_error

__all__ = [
    "Family",
    "KeyRecord",
    "Kind",
    "MemorySecrets",
    "SecretSource",
    "SigV4Error",
    "SignedRequestInfo",
    "VerifiedCaller",
    "Verifier",
    "WireError",
    "family_for",
    "parse_authorization",
    "wire_error",
]
