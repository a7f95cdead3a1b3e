"""Request ids: random UUIDs (version 4, RFC 4122 variant), as AWS's `x-amzn-RequestId`
and Lambda's `aws_request_id` look.

`uuid.uuid4()` costs a `getrandom` system call and a `UUID` object per request, a tenth
of the API's own time on a warm Invoke; this draws the same kernel randomness 4 KB at a
time and formats the hex directly. Not thread-safe: one generator per event loop.
"""

from __future__ import annotations

import os

_BATCH = 16 * 256  # 256 ids per system call
_VARIANT = "89ab"  # the RFC 4122 variant: the top two bits of the clock_seq nibble are 10


class RequestIds:
    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def next(self) -> str:
        at = self._at
        if at >= len(self._pool):
            self._pool = os.urandom(_BATCH)
            at = 0
        self._at = at + 16
        h = self._pool[at : at + 16].hex()
        variant = _VARIANT[int(h[16], 16) & 3]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
