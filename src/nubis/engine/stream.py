"""One environment's log stream: the pipe its runtime writes to, read on the event loop
into the log sink, and the tail an invocation may ask for (X-Amz-Log-Result).

The runtime's stdout and stderr are one pipe, read as data arrives and appended to the
stream through a `LogLimiter` (lines cut at the event size limit, a token bucket; see
nubis/engine/log_limit.py). While the bucket is empty the pipe is not read at all for a
while (`_pause`): a flooding function then blocks in write(), and costs the event loop
one wake-up per pause, not one per chunk. When a result arrives the owner drains the
pipe synchronously (`drain()`) *before* END/REPORT are written: the bootstrap flushes
before it posts, so everything the function printed is in the pipe by then and lands
before END.

Ownership: `open()` makes the pipe and returns its write end (the caller passes it on
and closes it); `close()` stops watching and closes the read end. Idempotent.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import fcntl
import os

from nubis.engine.log_limit import LogLimiter
from nubis.model.settings import LogSettings
from nubis.observe.base import LogSink

TAIL_KEEP_CHARS = 64 * 1024  # the API layer sends the last 4 KB; keep some more
_PIPE_SIZE = 1024 * 1024  # one wake-up takes this much off a flooding function
_FINAL_DRAIN_MAX = 4 * _PIPE_SIZE  # before END: all a finished handler left, not a flood


class LogStream:
    def __init__(self, sink: LogSink, group: str, stream: str, settings: LogSettings) -> None:
        self._sink = sink
        self._group = group
        self._stream = stream
        self._limiter = LogLimiter(
            settings.rate_bytes_s, settings.burst_bytes, settings.line_max_bytes
        )
        # A read never holds more than one line's limit: see LogLimiter._cut_lines.
        self._read_size = min(_PIPE_SIZE, settings.line_max_bytes)
        self._fd: int | None = None
        self._paused: asyncio.TimerHandle | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail: collections.deque[str] | None = None
        self._tail_chars = 0

    # --- the tail

    def keep_tail(self) -> None:
        """Keep what is emitted from now on (until `take_tail`)."""
        if self._tail is None:
            self._tail = collections.deque()

    def take_tail(self, wanted: bool) -> str | None:
        """What was kept (if `wanted`); stop keeping."""
        tail = self._tail
        if tail is None:
            return None
        self._tail = None
        self._tail_chars = 0
        return "".join(tail) if wanted else None

    def emit(self, text: str) -> None:
        if not text:
            return
        self._sink.append(self._group, self._stream, text)
        tail = self._tail
        if tail is not None:
            tail.append(text)
            self._tail_chars += len(text)
            while self._tail_chars - len(tail[0]) >= TAIL_KEEP_CHARS:
                self._tail_chars -= len(tail.popleft())

    def emit_dropped(self) -> None:
        """The limiter's marker for what it dropped since the last one, if any."""
        marker = self._limiter.dropped_marker()
        if marker is not None:
            self.emit(marker)

    # --- the pipe

    def open(self) -> int:
        """The log pipe: its read end is watched from here on; returns the write end,
        which the caller passes on to the environment and closes."""
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError):  # fewer wake-ups per MB; the default works too
            fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self._fd = read_fd
        os.set_blocking(read_fd, False)
        asyncio.get_running_loop().add_reader(read_fd, self._readable)
        return write_fd

    def _readable(self) -> None:
        self.drain(final=False)

    def drain(self, final: bool = True) -> None:
        """Read what the pipe holds. `final` (a result or an exit is being reported):
        up to `_FINAL_DRAIN_MAX` whatever the bucket says, so that what the handler
        printed lands before END; otherwise until the bucket runs dry."""
        fd = self._fd
        budget = _FINAL_DRAIN_MAX
        while fd is not None and budget > 0:
            try:
                data = os.read(fd, self._read_size)
            except BlockingIOError:
                return
            if not data:  # end of file: every writer is gone
                self.close()
                return
            budget -= len(data)
            kept = self._limiter.admit(data)
            if kept:
                self.emit_dropped()  # the gap is reported where it was
                self.emit(self._decoder.decode(kept))
            if not final and self._limiter.wait_s() > 0:
                self._pause()
                return

    def _pause(self) -> None:
        if self._fd is None or self._paused is not None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(self._fd)
        self._paused = loop.call_later(self._limiter.wait_s(), self._resume)

    def _resume(self) -> None:
        self._paused = None
        if self._fd is not None:
            asyncio.get_running_loop().add_reader(self._fd, self._readable)
            self.drain(final=False)

    def close(self) -> None:
        """Stop watching the pipe and close its read end. Idempotent."""
        if self._paused is not None:
            self._paused.cancel()
            self._paused = None
        if self._fd is not None:
            asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
