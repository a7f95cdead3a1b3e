"""LogLimiter with a fake clock: the bucket, the drop marker, long lines cut."""

from __future__ import annotations

from nubis.engine.log_limit import MARKER_PREFIX, LogLimiter


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_drops_the_excess_and_says_how_much() -> None:
    clock = Clock()
    lim = LogLimiter(rate=100, burst=1000, line_max=10_000, monotonic=clock)
    line = b"x" * 99 + b"\n"
    kept = b"".join(lim.admit(line) for _ in range(15))
    assert kept == line * 10  # the burst, in whole lines
    assert lim.wait_s() > 0
    marker = lim.dropped_marker()
    assert marker is not None
    assert marker.startswith(MARKER_PREFIX)
    assert "500 bytes dropped" in marker
    assert lim.dropped_marker() is None  # reported once
    clock.now = 2.0  # 200 bytes back
    assert lim.admit(line * 3) == line * 2


def test_long_lines_are_cut_with_a_marker() -> None:
    lim = LogLimiter(rate=10**9, burst=10**9, line_max=100)
    out = lim.admit(b"a" * 60) + lim.admit(b"a" * 90 + b"\nshort\n" + b"b" * 30)
    assert out == b"a" * 100 + b" [nubis] line truncated: 50 bytes cut\nshort\n" + b"b" * 30
    assert lim.admit(b"\n") == b"\n"
