"""Time, injected. Retry, timeout, idle-reaping and schedule logic read time only through a
Clock so that tests can drive it without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a monotonic clock (for durations and deadlines)."""
        ...

    def time(self) -> float:
        """Seconds since the epoch (for timestamps and Lambda's deadline header)."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._mono = 1000.0
        self._wall = start

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._wall += seconds
