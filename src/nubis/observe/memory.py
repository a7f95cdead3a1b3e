"""In-memory fakes of the observe Protocols, for tests."""

from __future__ import annotations

from typing import TypeVar

from nubis.observe.records import Record

R = TypeVar("R")


class MemoryLogSink:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, list[str]]] = {}
        self.finished: list[tuple[str, str]] = []

    def append(self, group: str, stream: str, text: str) -> None:
        self.groups.setdefault(group, {}).setdefault(stream, []).append(text)

    def streams(self, group: str) -> list[str]:
        return list(self.groups.get(group, {}))

    def read(self, group: str, stream: str) -> str:
        return "".join(self.groups.get(group, {}).get(stream, []))

    def finish(self, group: str, stream: str) -> None:
        self.finished.append((group, stream))

    def close(self) -> None:
        pass


class MemoryRecorder:
    """A `Recorder` that keeps every record in a list, synchronously (no task): a test
    reads `records` right after the call that recorded them."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.dropped = 0

    def record(self, r: Record) -> None:
        self.records.append(r)

    def of(self, kind: type[R]) -> list[R]:
        return [r for r in self.records if isinstance(r, kind)]
