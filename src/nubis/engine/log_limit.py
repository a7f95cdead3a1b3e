"""What one environment's output may cost: lines cut at the event size limit, a token
bucket per environment, the rest dropped and counted (docs/logs.md).

`LogLimiter.admit(data)` takes raw bytes as read from the log pipe and returns the bytes
to keep. Lines longer than `line_max` keep their first `line_max` bytes and end with
`TRUNCATED` naming what was cut; output beyond the bucket is dropped whole and counted
until `dropped_marker()` reports it (the environment writes that line when output is
admitted again and before END, so every gap in a stream is said where it happened).

The bucket holds `burst` bytes and refills at `rate` bytes/s. `wait_s()` says how long
until a useful amount is back: the environment stops reading its pipe meanwhile, so a
flooding function blocks in `write()` instead of costing its neighbours a wake-up per
chunk. Not thread-safe; the clock is injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MARKER_PREFIX = "[nubis] log output throttled:"
TRUNCATED = b" [nubis] line truncated: %d bytes cut\n"
_RESUME_BYTES = 64 * 1024  # read again once this much may be admitted
_WAIT_MIN_S = 0.02
_WAIT_MAX_S = 0.25


class LogLimiter:
    def __init__(
        self,
        rate: int,
        burst: int,
        line_max: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.line_max = line_max
        self._monotonic = monotonic
        self._tokens = float(burst)
        self._stamp = monotonic()
        self._line = 0  # bytes of the current (unfinished) line kept so far
        self._cut = 0  # bytes cut off the current line
        self.dropped_bytes = 0  # since the last marker
        self.dropped_total = 0

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def admit(self, data: bytes) -> bytes:
        self._refill()
        if self._tokens <= 0:
            self._drop(data)
            return b""
        if len(data) > self._tokens:
            # The bucket ends inside this chunk: keep whole lines where there are some.
            end = data.rfind(b"\n", 0, int(self._tokens)) + 1 or int(self._tokens)
            self._drop(data[end:])
            data = data[:end]
        self._tokens -= len(data)
        return self._cut_lines(data)

    def _drop(self, data: bytes) -> None:
        if data:
            self.dropped_bytes += len(data)
            self.dropped_total += len(data)
            # What follows a gap starts a line of its own in the stream.
            self._line = 0
            self._cut = 0

    def _cut_lines(self, data: bytes) -> bytes:
        """Only the first line of a chunk can continue a long line, and only its last
        can start one: a chunk is at most one read, shorter than `line_max`, so lines
        wholly inside it are short (reads are sized so)."""
        first_nl = data.find(b"\n")
        if first_nl < 0:
            return self._extend(data)
        head = self._extend(data[:first_nl]) + self._end_line()
        last_nl = data.rfind(b"\n")
        middle = data[first_nl + 1 : last_nl + 1]
        return head + middle + self._extend(data[last_nl + 1 :])

    def _extend(self, part: bytes) -> bytes:
        room = self.line_max - self._line
        if len(part) <= room:
            self._line += len(part)
            return part
        self._line = self.line_max
        self._cut += len(part) - max(room, 0)
        return part[: max(room, 0)]

    def _end_line(self) -> bytes:
        cut, self._cut, self._line = self._cut, 0, 0
        return TRUNCATED % cut if cut else b"\n"

    def dropped_marker(self) -> str | None:
        """The line that reports output dropped since the last one, or None."""
        if not self.dropped_bytes:
            return None
        n, self.dropped_bytes = self.dropped_bytes, 0
        return (
            f"{MARKER_PREFIX} {n} bytes dropped (limit {self.rate} bytes/s, "
            f"burst {self.burst} bytes per environment)\n"
        )

    def wait_s(self) -> float:
        """0 when reading on is worth it, else how long to leave the pipe alone."""
        self._refill()
        if self._tokens >= _RESUME_BYTES:
            return 0.0
        need = (_RESUME_BYTES - self._tokens) / self.rate
        return min(max(need, _WAIT_MIN_S), _WAIT_MAX_S)
