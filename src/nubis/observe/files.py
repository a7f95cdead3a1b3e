"""Function logs in plain files: `<root>/<group>/<stream>.log`, names percent-encoded."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote

_MAX_OPEN = 64


def _enc(name: str) -> str:
    return quote(name, safe="")


class FileLogSink:
    """Appends go to line-buffered files kept open (at most `_MAX_OPEN`, least recently
    used closed first): one `write` per chunk, so an append costs microseconds and never
    waits on anything but the page cache."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._root.mkdir(parents=True, exist_ok=True)
        self._open: OrderedDict[tuple[str, str], TextIO] = OrderedDict()

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
        f = self._file(group, stream)
        f.write(text)
        f.flush()

    def streams(self, group: str) -> list[str]:
        d = self._root / _enc(group)
        if not d.is_dir():
            return []
        files = sorted(d.glob("*.log"), key=lambda p: p.stat().st_mtime)
        return [unquote(p.name[: -len(".log")]) for p in files]

    def read(self, group: str, stream: str) -> str:
        p = self._root / _enc(group) / f"{_enc(stream)}.log"
        f = self._open.get((group, stream))
        if f is not None:
            f.flush()
        return p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""

    def delete_group(self, group: str) -> None:
        for key in [k for k in self._open if k[0] == group]:
            self._open.pop(key).close()
        d = self._root / _enc(group)
        if d.is_dir():
            for p in d.iterdir():
                p.unlink()
            d.rmdir()

    def close(self) -> None:
        while self._open:
            _, f = self._open.popitem()
            f.close()
