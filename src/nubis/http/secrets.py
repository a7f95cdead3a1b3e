"""Where the verifier finds an access key's secret: the `SecretSource` boundary.

The IAM store implements it later (users' keys, STS's temporary credentials);
`MemorySecrets` is the in-memory one for tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One access key. A temporary key (from STS) has a `session_token` that every request
    signed with it must carry (`X-Amz-Security-Token`), and an `expires` time after which
    it is refused. `principal` is opaque to the verifier: it is handed back to the caller
    (an account, user or role id)."""

    access_key: str
    secret: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires: float | None = None  # Unix seconds; None: never
    principal: str = ""

    @property
    def temporary(self) -> bool:
        return self.session_token is not None


class SecretSource(Protocol):
    """Looks up access keys. `secret` returns None for a key that does not exist (or was
    deleted); it must not block the event loop, and is called once per signed request, so
    an implementation over a database keeps its own cache. Safe to call concurrently."""

    async def secret(self, access_key: str) -> KeyRecord | None: ...


class MemorySecrets:
    """A `SecretSource` over a dict. `put` adds or replaces (rotates) a key, `delete`
    removes one; both take effect on the next lookup."""

    def __init__(self, records: list[KeyRecord] | None = None) -> None:
        self._records: dict[str, KeyRecord] = {r.access_key: r for r in records or []}

    def put(self, record: KeyRecord) -> None:
        self._records[record.access_key] = record

    def delete(self, access_key: str) -> None:
        self._records.pop(access_key, None)

    async def secret(self, access_key: str) -> KeyRecord | None:
        return self._records.get(access_key)
