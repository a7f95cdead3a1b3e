"""What every codec hands the HTTP server: a status, headers and a body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WireResponse:
    status: int
    headers: dict[str, str]
    body: bytes
