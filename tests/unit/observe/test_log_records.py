"""The log sink consumes records: a stopped environment finishes its stream, whose file
is then closed (its segments become removable); reading and appending still work."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nubis.observe.files import FileLogSink
from nubis.observe.log_records import LogSinkRecords
from nubis.observe.memory import MemoryLogSink
from nubis.observe.recorder import QueueRecorder
from nubis.observe.records import EnvironmentStopped, Throttle


def stopped(stream: str) -> EnvironmentStopped:
    return EnvironmentStopped(0.0, "e", "f", "$LATEST", 1.0, "/aws/lambda/f", stream)


def test_a_stopped_environment_finishes_its_stream() -> None:
    async def main() -> list[tuple[str, str]]:
        sink = MemoryLogSink()
        recorder = QueueRecorder()
        recorder.subscribe(LogSinkRecords(sink))
        await recorder.start()
        recorder.record(Throttle(0.0, "f", "r"))
        recorder.record(stopped("s1"))
        await recorder.close()
        return sink.finished

    assert asyncio.run(main()) == [("/aws/lambda/f", "s1")]


def test_a_finished_file_stream_is_closed_and_still_readable(tmp_path: Path) -> None:
    sink = FileLogSink(tmp_path)
    sink.append("/aws/lambda/f", "s1", "one\n")
    sink.append("/aws/lambda/f", "s2", "two\n")
    sink.finish("/aws/lambda/f", "s1")
    sink.finish("/aws/lambda/f", "s1")  # idempotent
    sink.finish("/aws/lambda/g", "never")  # unknown: nothing to do
    assert sink.read("/aws/lambda/f", "s1") == "one\n"
    writing = sink._removable(None)
    assert [p.name for p, _, _ in writing] == ["s1.log"]
    sink.append("/aws/lambda/f", "s1", "again\n")  # reopened
    assert sink.read("/aws/lambda/f", "s1") == "one\nagain\n"
    sink.close()
