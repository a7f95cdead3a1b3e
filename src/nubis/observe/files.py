"""Function logs in plain files: `<root>/<group>/<stream>.log[.<n>]`, names percent-encoded.

A stream is one or more segments: `<stream>.log`, then `<stream>.log.1`, `.2`, ... (a
new one when the current one reaches `_segment_max`), read back in that order. Segments
are the unit of removal, oldest (by last write) first:
- when a log group holds more than `group_max_bytes`, or all groups more than
  `total_max_bytes`, until it holds 90% of that (so removal is not paid per append);
- when a segment was last written more than `retention_days` ago (checked at most once a
  minute, on append).
Segments being written are never removed; each is at most `_segment_max`, so a group
exceeds its cap by at most that per stream being written. Sizes are counted as text is
appended (characters, which is bytes for ASCII) and from `stat` at start and on removal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote

from nubis.model.settings import LogSettings

_MAX_OPEN = 64
_SWEEP_EVERY_S = 60.0
_KEEP_FRACTION = 0.9
_WARN_EVERY_S = 60.0

log = logging.getLogger(__name__)


def _enc(name: str) -> str:
    return quote(name, safe="")


def _split(file_name: str) -> tuple[str, int] | None:
    """`<enc>.log` → (enc, 0); `<enc>.log.<n>` → (enc, n); anything else → None."""
    stem, sep, suffix = file_name.rpartition(".log")
    if not sep:
        return None
    if suffix == "":
        return stem, 0
    if suffix[0] == "." and suffix[1:].isdigit():
        return stem, int(suffix[1:])
    return None


class _Open:
    __slots__ = ("file", "path", "seq", "size")

    def __init__(self, file: TextIO, path: Path, seq: int, size: int) -> None:
        self.file, self.path, self.seq, self.size = file, path, seq, size


class FileLogSink:
    """Appends go to buffered files kept open (at most `_MAX_OPEN`, least recently used
    closed first). Buffers are flushed `FLUSH_DELAY_S` after the first unflushed append
    (and on read and close), so an invocation's three log lines cost no system call; what
    a crash of the server can lose is that last fraction of a second of log text."""

    FLUSH_DELAY_S = 0.2

    def __init__(
        self,
        root: Path,
        settings: LogSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._root = root
        self._root.mkdir(parents=True, exist_ok=True)
        self._settings = settings or LogSettings()
        self._clock = clock
        self._segment_max = max(64 * 1024, self._settings.group_max_bytes // 8)
        self._open: OrderedDict[tuple[str, str], _Open] = OrderedDict()
        self._flush_pending: asyncio.TimerHandle | None = None
        self._sizes: dict[str, int] = {}  # encoded group -> bytes on disk (about)
        for path, size, _ in self._segments():
            g = path.parent.name
            self._sizes[g] = self._sizes.get(g, 0) + size
        self._total = sum(self._sizes.values())
        self._next_sweep = 0.0
        self.dropped_writes = 0  # appends lost to a failing volume (full disk, I/O error)
        self._next_warning = 0.0

    # --- writing

    def _file(self, group: str, stream: str) -> _Open:
        key = (group, stream)
        f = self._open.get(key)
        if f is not None:
            self._open.move_to_end(key)
            return f
        d = self._root / _enc(group)
        d.mkdir(parents=True, exist_ok=True)
        seq = max((n for _, n in self._stream_segments(d, _enc(stream))), default=0)
        f = self._open_segment(d, _enc(stream), seq)
        self._open[key] = f
        if len(self._open) > _MAX_OPEN:
            _, oldest = self._open.popitem(last=False)
            oldest.file.close()
        return f

    @staticmethod
    def _open_segment(d: Path, enc: str, seq: int) -> _Open:
        path = d / (f"{enc}.log" if seq == 0 else f"{enc}.log.{seq}")
        f = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        return _Open(f, path, seq, f.tell())

    def append(self, group: str, stream: str, text: str) -> None:
        """Never raises: function logs are best effort (as Lambda's), so a volume that
        fails (full, I/O error) costs log text, counted in `dropped_writes`, never an
        invocation or the server."""
        try:
            self._append(group, stream, text)
        except OSError as exc:
            self._failed(exc)

    def _append(self, group: str, stream: str, text: str) -> None:
        f = self._file(group, stream)
        f.file.write(text)
        n = len(text)
        f.size += n
        g = f.path.parent.name
        self._sizes[g] = self._sizes.get(g, 0) + n
        self._total += n
        if f.size >= self._segment_max:  # the next append starts a new segment
            f.file.close()
            self._open[(group, stream)] = self._open_segment(f.path.parent, _enc(stream), f.seq + 1)
        self._enforce(g)
        if self._flush_pending is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (tools, tests): write through
                self.flush()
                return
            self._flush_pending = loop.call_later(self.FLUSH_DELAY_S, self.flush)

    def flush(self) -> None:
        if self._flush_pending is not None:
            self._flush_pending.cancel()
            self._flush_pending = None
        for key, f in list(self._open.items()):
            try:
                f.file.flush()
            except OSError as exc:
                # Its buffer cannot be written: drop it (closing still closes the file)
                # rather than fail every later flush, and this sink's close, again.
                del self._open[key]
                with contextlib.suppress(OSError):
                    f.file.close()
                self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self.dropped_writes += 1
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + _WARN_EVERY_S
            log.warning("function logs not written (%d so far): %s", self.dropped_writes, exc)

    # --- caps and retention

    def _enforce(self, group_dir: str) -> None:
        s = self._settings
        if self._sizes[group_dir] > s.group_max_bytes:
            self._remove_oldest(
                self._root / group_dir, self._sizes[group_dir] - _KEEP_FRACTION * s.group_max_bytes
            )
        if self._total > s.total_max_bytes:
            self._remove_oldest(None, self._total - _KEEP_FRACTION * s.total_max_bytes)
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_EVERY_S
            self._remove_expired(now - s.retention_days * 86400)

    def _removable(self, group: Path | None) -> list[tuple[Path, int, float]]:
        """Segments not being written, oldest first."""
        writing = {f.path for f in self._open.values()}
        found = [seg for seg in self._segments(group) if seg[0] not in writing]
        return sorted(found, key=lambda seg: seg[2])

    def _remove_oldest(self, group: Path | None, excess: float) -> None:
        self.flush()  # sizes on disk from here on
        for path, size, _ in self._removable(group):
            if excess <= 0:
                break
            self._unlink(path, size)
            excess -= size

    def _remove_expired(self, before: float) -> None:
        for path, size, mtime in self._removable(None):
            if mtime >= before:
                break
            self._unlink(path, size)

    def _unlink(self, path: Path, size: int) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            return
        g = path.parent.name
        self._sizes[g] = max(0, self._sizes.get(g, 0) - size)
        self._total = max(0, self._total - size)
        try:
            path.parent.rmdir()  # the group's last stream went: nothing left behind
        except OSError:
            pass
        else:
            self._sizes.pop(g, None)

    def _segments(self, group: Path | None = None) -> Iterator[tuple[Path, int, float]]:
        dirs = [group] if group is not None else [p for p in self._root.iterdir() if p.is_dir()]
        for d in dirs:
            try:
                entries = list(os.scandir(d))
            except FileNotFoundError:
                continue
            for e in entries:
                if _split(e.name) is not None and e.is_file():
                    st = e.stat()
                    yield Path(e.path), st.st_size, st.st_mtime

    @staticmethod
    def _stream_segments(d: Path, enc: str) -> list[tuple[Path, int]]:
        out = []
        if d.is_dir():
            for p in d.iterdir():
                parts = _split(p.name)
                if parts is not None and parts[0] == enc:
                    out.append((p, parts[1]))
        return sorted(out, key=lambda item: item[1])

    # --- reading

    def streams(self, group: str) -> list[str]:
        d = self._root / _enc(group)
        if not d.is_dir():
            return []
        latest: dict[str, float] = {}
        for path, _, mtime in self._segments(d):
            parts = _split(path.name)
            assert parts is not None
            latest[parts[0]] = max(mtime, latest.get(parts[0], 0.0))
        return [unquote(enc) for enc in sorted(latest, key=lambda enc: latest[enc])]

    def read(self, group: str, stream: str) -> str:
        self.flush()
        d = self._root / _enc(group)
        return "".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p, _ in self._stream_segments(d, _enc(stream))
        )

    def finish(self, group: str, stream: str) -> None:
        """Close the stream's file: its segment is no longer being written, so caps and
        retention may remove it like any other (an append would reopen it)."""
        f = self._open.pop((group, stream), None)
        if f is None:
            return
        try:
            f.file.close()
        except OSError as exc:
            self._failed(exc)

    def bytes_on_disk(self) -> int:
        """What the sink holds now (about: appended text counts as written)."""
        return self._total

    def close(self) -> None:
        self.flush()
        while self._open:
            _, f = self._open.popitem()
            try:
                f.file.close()
            except OSError as exc:
                self._failed(exc)
