"""The log sink's caps on disk: all groups together stay under the total cap, oldest
segments going first, whichever group they belong to (docs/logs.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from nubis.model.settings import LogSettings
from nubis.observe.files import FileLogSink

KB = 1024
LINE = "x" * (KB - 1) + "\n"


def _write(sink: FileLogSink, group: str, stream: str, kb: int) -> None:
    for _ in range(kb):
        sink.append(group, stream, LINE)
    sink.finish(group, stream)  # no longer being written: removable


def _on_disk(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.log*"))


def test_the_total_cap_removes_the_oldest_segments_of_any_group(tmp_path: Path) -> None:
    settings = LogSettings(group_max_bytes=1024 * KB, total_max_bytes=1536 * KB)
    sink = FileLogSink(tmp_path, settings)
    try:
        for n in range(4):  # group "old": 4 x 256 KB, each stream finished
            _write(sink, "old", f"s{n}", 256)
        time.sleep(0.01)  # later mtimes for the new group's segments
        for n in range(4):  # group "new": as much again; the total cap is 1.5 MB
            _write(sink, "new", f"s{n}", 256)
        sink.flush()
        assert _on_disk(tmp_path) <= settings.total_max_bytes
        assert sink.bytes_on_disk() == _on_disk(tmp_path)
        # What went is the old group's (the oldest); the newest stream is whole.
        assert len(sink.read("new", "s3")) == 256 * KB
        assert _on_disk(tmp_path / "old") < 1024 * KB
    finally:
        sink.close()


def test_a_group_over_its_cap_loses_its_own_oldest_segments_only(tmp_path: Path) -> None:
    settings = LogSettings(group_max_bytes=512 * KB, total_max_bytes=64 * 1024 * KB)
    sink = FileLogSink(tmp_path, settings)
    try:
        _write(sink, "quiet", "s", 16)
        for n in range(6):
            _write(sink, "loud", f"s{n}", 128)
        sink.flush()
        assert _on_disk(tmp_path / "loud") <= settings.group_max_bytes
        assert len(sink.read("quiet", "s")) == 16 * KB  # another group is never trimmed
        assert os.path.exists(tmp_path / "loud" / "s5.log")
        assert not os.path.exists(tmp_path / "loud" / "s0.log")  # the oldest went first
        assert len(sink.read("loud", "s5")) == 128 * KB
    finally:
        sink.close()
