"""The observe boundary: where function logs and the platform's records go.

`LogSink.append` is called on the event loop for every chunk of log text; it must not
block (implementations buffer or hand off). Text is appended to the stream in call order.
`streams(group)` and `read(group, stream)` serve `nubis logs`; reading may be slow.
The sink is also a consumer of records (`LogSinkRecords` in nubis/observe/log_records.py):
an `EnvironmentStopped` finishes that environment's stream.

`Recorder.record(r)` is called on the hot path (an invocation's end, a throttle, an API
call) with one of `nubis.observe.records.Record`. Contract:
- it never blocks and never raises: a record that cannot be kept (the queue is full, the
  recorder is closed) is dropped and counted (`dropped`), never waited for;
- it is called from the event loop thread only (not thread-safe);
- records reach each `Subscriber` in the order they were recorded, in batches, from a
  task of the recorder's, never from inside `record`; a subscriber that falls behind
  loses records (counted per subscriber) instead of slowing the others or the caller;
- `close()` hands what is queued to the subscribers, waits a bounded time for them, and
  stops; idempotent; `record` after it drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from nubis.observe.records import Record


class LogSink(Protocol):
    def append(self, group: str, stream: str, text: str) -> None: ...

    def streams(self, group: str) -> list[str]:
        """Stream names of a log group, oldest first."""
        ...

    def read(self, group: str, stream: str) -> str: ...

    def finish(self, group: str, stream: str) -> None:
        """The stream gets no more text (its environment is gone): release what is held
        for writing it (an open file). Reading it still works; an append reopens it.
        Never raises."""
        ...

    def close(self) -> None:
        """Flush and release files. Idempotent."""
        ...


class Recorder(Protocol):
    @property
    def dropped(self) -> int:
        """Records dropped by `record` itself (full queue, closed; with no subscriber
        nothing is kept, and nothing counted)."""
        ...

    def record(self, r: Record) -> None: ...


class Subscriber(Protocol):
    async def consume(self, records: Sequence[Record]) -> None:
        """Handle a batch, oldest first. May await (a network sink); an exception is
        logged and the batch lost, the subscriber stays subscribed."""
        ...


@runtime_checkable
class InlineSubscriber(Protocol):
    """A subscriber cheap enough to run inside the recorder's hand-over: in-memory
    folding of a few µs per record that never awaits and never blocks (metrics). It gets
    no task and no queue of its own (two task wake-ups fewer per batch on a loop that
    serves invocations); a slow one would delay the loop, so anything that does I/O is a
    plain `Subscriber`. An exception is logged and the batch lost, as for the others."""

    def consume_now(self, records: Sequence[Record]) -> None: ...
