"""An in-memory LogSink for tests."""

from __future__ import annotations


class MemoryLogSink:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, list[str]]] = {}

    def append(self, group: str, stream: str, text: str) -> None:
        self.groups.setdefault(group, {}).setdefault(stream, []).append(text)

    def streams(self, group: str) -> list[str]:
        return list(self.groups.get(group, {}))

    def read(self, group: str, stream: str) -> str:
        return "".join(self.groups.get(group, {}).get(stream, []))

    def close(self) -> None:
        pass
