"""QueueRecorder: record never blocks or raises; subscribers get batches in order from a
task of their own; a slow subscriber loses records (counted), never stalls the caller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from nubis.observe.recorder import NullRecorder, QueueRecorder
from nubis.observe.records import ApiCall, InvocationReport, Record, Throttle


class Collect:
    def __init__(self) -> None:
        self.seen: list[Record] = []

    async def consume(self, records: Sequence[Record]) -> None:
        self.seen.extend(records)


class Stuck:
    """A sink that never finishes a batch."""

    def __init__(self) -> None:
        self.batches = 0

    async def consume(self, records: Sequence[Record]) -> None:
        self.batches += 1
        await asyncio.Event().wait()


class Failing:
    async def consume(self, records: Sequence[Record]) -> None:
        raise RuntimeError("sink broke")


def throttle(i: int) -> Throttle:
    return Throttle(at=float(i), function_name=f"f{i}", reason="r")


def test_records_reach_every_subscriber_in_order() -> None:
    async def main() -> None:
        recorder = QueueRecorder()
        a, b = Collect(), Collect()
        recorder.subscribe(a)
        recorder.record(throttle(0))  # before start: kept until then
        await recorder.start()
        await asyncio.sleep(0.01)  # record 0 is handed over before b subscribes
        recorder.subscribe(b)
        for i in range(1, 100):
            recorder.record(throttle(i))
        await asyncio.sleep(0)
        assert a.seen == [] or len(a.seen) < 100  # not from inside record
        await recorder.close()
        assert [r.at for r in a.seen] == [float(i) for i in range(100)]
        assert [r.at for r in b.seen] == [float(i) for i in range(1, 100)]
        assert recorder.dropped == 0

    asyncio.run(main())


def test_a_stuck_subscriber_drops_and_counts_without_stalling_others() -> None:
    async def main() -> None:
        recorder = QueueRecorder(subscriber_limit=10, close_wait_s=0.2)
        stuck, fine = Stuck(), Collect()
        recorder.subscribe(stuck)
        recorder.subscribe(fine)
        await recorder.start()
        recorder.record(throttle(0))
        await asyncio.sleep(0.01)  # the stuck one now holds its first batch forever
        started = time.perf_counter()
        for i in range(1, 1001):
            recorder.record(throttle(i))
            if i % 5 == 0:  # bursts the fine subscriber's queue (10) holds
                for _ in range(3):
                    await asyncio.sleep(0)
        assert time.perf_counter() - started < 0.5
        await asyncio.sleep(0.01)
        assert len(fine.seen) == 1001
        assert recorder.dropped_by(stuck) == 1000 - 10
        assert recorder.dropped_by(fine) == 0
        closed = time.perf_counter()
        await recorder.close()  # bounded: the stuck one is cancelled
        assert time.perf_counter() - closed < 1.0
        assert stuck.batches == 1

    asyncio.run(main())


def test_record_never_raises_and_drops_when_full_or_closed() -> None:
    async def main() -> None:
        recorder = QueueRecorder(limit=3)
        recorder.record(throttle(-1))  # nobody subscribed: nobody to keep it for
        assert recorder.dropped == 0
        failing, fine = Failing(), Collect()
        recorder.subscribe(failing)
        recorder.subscribe(fine)
        for i in range(5):
            recorder.record(throttle(i))  # not started: the queue fills, then drops
        assert recorder.dropped == 2
        await recorder.start()
        await asyncio.sleep(0.01)
        assert len(fine.seen) == 3  # a failing subscriber hurts nobody else
        recorder.record(throttle(9))
        await asyncio.sleep(0.01)
        assert len(fine.seen) == 4  # and stays subscribed
        await recorder.close()
        await recorder.close()  # idempotent
        recorder.record(throttle(10))
        assert recorder.dropped == 3
        NullRecorder().record(throttle(11))

    asyncio.run(main())


def test_records_are_frozen_and_report_billing_as_lambda() -> None:
    report = InvocationReport(
        at=0.0,
        request_id="r",
        function_name="f",
        version="$LATEST",
        duration_ms=0.2,
        memory_size_mb=128,
        max_memory_used_mb=30,
        restore_duration_ms=10.01,
    )
    assert report.billed_duration_ms == 1
    assert report.billed_restore_duration_ms == 11
    assert InvocationReport(**{**_fields(report), "duration_ms": 3.2}).billed_duration_ms == 4
    call = ApiCall(at=0.0, service="lambda", operation="Invoke", status=200, duration_ms=1.0)
    try:
        call.status = 500  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("records are frozen")


def _fields(r: InvocationReport) -> dict[str, object]:
    return {name: getattr(r, name) for name in r.__dataclass_fields__}


class Inline:
    """An `InlineSubscriber`: called in the hand-over, never from inside `record`."""

    def __init__(self, fail: bool = False) -> None:
        self.seen: list[Record] = []
        self.fail = fail

    async def consume(self, records: Sequence[Record]) -> None:
        raise AssertionError("an inline subscriber gets no task")

    def consume_now(self, records: Sequence[Record]) -> None:
        if self.fail:
            raise RuntimeError("metrics broke")
        self.seen.extend(records)


def test_inline_subscribers_run_in_the_hand_over_and_a_failing_one_is_counted() -> None:
    async def main() -> None:
        recorder = QueueRecorder()
        inline, broken, queued = Inline(), Inline(fail=True), Collect()
        for sub in (broken, inline, queued):
            recorder.subscribe(sub)
        await recorder.start()
        for i in range(10):
            recorder.record(throttle(i))
        assert inline.seen == []  # not from inside record
        await asyncio.sleep(0)  # one step of the loop: the hand-over
        assert [r.at for r in inline.seen] == [float(i) for i in range(10)]
        assert recorder.inline_failures == 1
        await recorder.close()
        assert [r.at for r in queued.seen] == [float(i) for i in range(10)]  # unaffected

    asyncio.run(main())
