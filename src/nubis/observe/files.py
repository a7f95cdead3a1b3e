"""Function logs in plain files: `<root>/<group>/<stream>.log`, names percent-encoded."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote

_MAX_OPEN = 64


def _enc(name: str) -> str:
    return quote(name, safe="")


class FileLogSink:
    """Appends go to buffered files kept open (at most `_MAX_OPEN`, least recently used
    closed first). Buffers are flushed `FLUSH_DELAY_S` after the first unflushed append
    (and on read and close), so an invocation's three log lines cost no system call; what
    a crash of the server can lose is that last fraction of a second of log text."""

    FLUSH_DELAY_S = 0.2

    def __init__(self, root: Path) -> None:
        self._root = root
        self._root.mkdir(parents=True, exist_ok=True)
        self._open: OrderedDict[tuple[str, str], TextIO] = OrderedDict()
        self._flush_pending: asyncio.TimerHandle | None = None

    def _file(self, group: str, stream: str) -> TextIO:
        key = (group, stream)
        f = self._open.get(key)
        if f is not None:
            self._open.move_to_end(key)
            return f
        d = self._root / _enc(group)
        d.mkdir(parents=True, exist_ok=True)
        f = open(d / f"{_enc(stream)}.log", "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._open[key] = f
        if len(self._open) > _MAX_OPEN:
            _, oldest = self._open.popitem(last=False)
            oldest.close()
        return f

    def append(self, group: str, stream: str, text: str) -> None:
        self._file(group, stream).write(text)
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
        for f in self._open.values():
            f.flush()

    def streams(self, group: str) -> list[str]:
        d = self._root / _enc(group)
        if not d.is_dir():
            return []
        files = sorted(d.glob("*.log"), key=lambda p: p.stat().st_mtime)
        return [unquote(p.name[: -len(".log")]) for p in files]

    def read(self, group: str, stream: str) -> str:
        p = self._root / _enc(group) / f"{_enc(stream)}.log"
        self.flush()
        return p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""

    def close(self) -> None:
        self.flush()
        while self._open:
            _, f = self._open.popitem()
            f.close()
