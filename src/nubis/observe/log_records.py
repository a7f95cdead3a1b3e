"""The log sink as a consumer of records: what the sink needs to know of the platform's
life comes as records, not as calls from the engine.

`LogSinkRecords` subscribes to the `Recorder`; on `EnvironmentStopped` it finishes that
environment's stream (`LogSink.finish`: the file is closed, and caps and retention may
remove its segments, which they never do while a stream is being written). Function
output and the START/END/REPORT lines stay direct appends: they are ordered within the
stream and part of the invocation's tail, which a queue could not keep.
"""

from __future__ import annotations

from collections.abc import Sequence

from nubis.observe.base import LogSink
from nubis.observe.records import EnvironmentStopped, Record


class LogSinkRecords:
    def __init__(self, sink: LogSink) -> None:
        self._sink = sink

    async def consume(self, records: Sequence[Record]) -> None:
        for r in records:
            if isinstance(r, EnvironmentStopped) and r.log_stream:
                self._sink.finish(r.log_group, r.log_stream)
