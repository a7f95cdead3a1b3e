"""The CloudWatch Logs store: log groups, their streams and their events.

    LogStore          the Protocol (below), every method a coroutine except `close`
    memory/logs.py    MemoryLogStore, the fake for tests of the rules
    sqlite/logs.py    SqliteLogStore, `<data-dir>/logs.db` (a file of its own)

The store keeps what it is given: AWS's rules (names, batch sizes, chronological order
inside a batch, what is too old or too new, paging tokens) are the control's
(`nubis.control.logs.service`). Positions and sequence numbers are the store's.

Contract, for every implementation:

- `create_group` and `create_stream` never replace: they say `EXISTS` (and change
  nothing) when the name is taken, `NO_GROUP` when a stream's group is missing.
- `append` stores a whole batch or nothing, in one transaction that is on disk (fsync'd)
  before it returns; it gives each event a sequence number unique in the store and
  greater than every earlier one, and moves the stream's first/last event timestamps,
  last ingestion time and upload sequence, and the group's stored bytes (UTF-8 bytes of
  the messages). It returns None (storing nothing) when the stream does not exist.
- Reads see every append that returned before them. Events of a stream are ordered by
  `Position` (timestamp, then sequence number); a batch with equal timestamps keeps its
  order.
- `delete_group` removes the group, its streams and their events; `delete_stream` the
  stream and its events. Both are idempotent and say whether something was removed.
- `sweep(now_ms)` deletes every event older than its group's retention
  (timestamp < now_ms - days x 86,400,000) and returns how many it deleted.
- `close()` is idempotent; every other method raises RuntimeError after it.
- Safe to call concurrently from one event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Protocol

from nubis.model.logs import LogEvent, LogGroup, LogStream, NewEvent, Position, StreamKey

DAY_MS = 86_400_000


class Created(Enum):
    CREATED = "created"
    EXISTS = "exists"
    NO_GROUP = "no-group"


class LogStore(Protocol):
    # ------------------------------------------------------------ groups
    async def create_group(self, group: LogGroup) -> Created: ...

    async def get_group(self, name: str) -> LogGroup | None: ...

    async def list_groups(
        self, prefix: str | None, contains: str | None, after: str | None, limit: int
    ) -> list[LogGroup]:
        """Groups by name (ascending), those starting with `prefix` and containing
        `contains` (case-insensitively), after the name `after`, at most `limit`."""
        ...

    async def set_retention(self, name: str, days: int | None) -> bool:
        """False when the group does not exist."""
        ...

    async def tag_group(self, name: str, add: Mapping[str, str], remove: Sequence[str]) -> bool:
        """Adds (or overwrites) `add`, then removes `remove`, atomically; False when the
        group does not exist."""
        ...

    async def delete_group(self, name: str) -> bool: ...

    # ------------------------------------------------------------ streams
    async def create_stream(self, stream: LogStream) -> Created: ...

    async def get_stream(self, group: str, name: str) -> LogStream | None: ...

    async def list_streams(
        self,
        group: str,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        after: StreamKey | None,
        limit: int,
    ) -> list[LogStream]:
        """A group's streams ordered by name, or by (last event timestamp, name) with
        streams without events as 0, ascending or descending, strictly after `after`
        in that order, at most `limit`."""
        ...

    async def delete_stream(self, group: str, name: str) -> bool: ...

    # ------------------------------------------------------------ events
    async def append(
        self, group: str, stream: str, events: Sequence[NewEvent], ingestion_ms: int
    ) -> LogStream | None:
        """Stores `events` (see the module's contract); returns the stream as updated."""
        ...

    async def read_stream(
        self,
        group: str,
        stream: str,
        start_ms: int | None,
        end_ms: int | None,
        after: Position | None,
        before: Position | None,
        limit: int,
        from_head: bool,
    ) -> list[LogEvent]:
        """Events of one stream with start_ms <= timestamp < end_ms, ascending. With
        `after`: the first `limit` events after it; with `before`: the last `limit`
        events before it; with neither: the first (`from_head`) or last `limit`."""
        ...

    async def scan(
        self,
        group: str,
        streams: Sequence[str] | None,
        prefix: str | None,
        start_ms: int | None,
        end_ms: int | None,
        after: Position | None,
        limit: int,
    ) -> list[LogEvent]:
        """Events of a group's streams (those named, or those starting with `prefix`,
        or all) with start_ms <= timestamp <= end_ms, interleaved in Position order,
        strictly after `after`, at most `limit`."""
        ...

    async def sweep(self, now_ms: int) -> int: ...

    def close(self) -> None: ...


__all__ = ["DAY_MS", "Created", "LogStore"]
