"""The observe boundary: where function logs go.

`LogSink.append` is called on the event loop for every chunk of log text; it must not
block (implementations buffer or hand off). Text is appended to the stream in call order.
`streams(group)` and `read(group, stream)` serve `nubis logs`; reading may be slow.
"""

from __future__ import annotations

from typing import Protocol


class LogSink(Protocol):
    def append(self, group: str, stream: str, text: str) -> None: ...

    def streams(self, group: str) -> list[str]:
        """Stream names of a log group, oldest first."""
        ...

    def read(self, group: str, stream: str) -> str: ...

    def close(self) -> None:
        """Flush and release files. Idempotent."""
        ...
