"""QueueRecorder: the non-blocking `Recorder` (contract in `nubis.observe.base`).

    record(r) ─▶ deque (bounded) ─call_soon─▶ hand-over ─▶ per subscriber: deque (bounded)
                                                               └─ its task: consume(batch)

`record` is one length check, one `deque.append` and, for the first record of a batch,
one `loop.call_soon`: nothing is formatted, awaited or written on the caller's path. The
hand-over (after the caller's step of the loop) gives the batch to each cheap in-memory
subscriber (`InlineSubscriber`: metrics) at once, and moves it to every other subscriber's
own queue; each subscriber has a task of its own, so a slow one (a network sink) only
ever fills its own queue, and what does not fit is dropped and counted, never waited for.
With no subscriber at all, `record` keeps nothing (there is nobody to hand it to).

Lifetime: records recorded before `start()` wait in the queue (up to its bound); `close()`
hands them over, gives the subscribers `close_wait_s` to finish, then cancels them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Sequence

from nubis.observe.base import InlineSubscriber, Subscriber
from nubis.observe.records import Record

log = logging.getLogger(__name__)

QUEUE_MAX = 10_000  # records waiting for the pump; a burst of invocations fits
SUBSCRIBER_QUEUE_MAX = 10_000
CLOSE_WAIT_S = 2.0


class _Subscription:
    """One subscriber's queue and task."""

    def __init__(self, subscriber: Subscriber, limit: int) -> None:
        self.subscriber = subscriber
        self.limit = limit
        self.queue: collections.deque[Record] = collections.deque()
        self.wake = asyncio.Event()
        self.dropped = 0
        self.failures = 0
        self.task: asyncio.Task[None] | None = None

    def offer(self, batch: Sequence[Record]) -> None:
        room = self.limit - len(self.queue)
        if room < len(batch):
            self.dropped += len(batch) - max(room, 0)
            batch = batch[: max(room, 0)]
        if batch:
            self.queue.extend(batch)
            self.wake.set()

    async def run(self, closing: asyncio.Event) -> None:
        while True:
            if not self.queue:
                if closing.is_set():
                    return
                self.wake.clear()
                await self.wake.wait()
                continue
            batch = list(self.queue)
            self.queue.clear()
            try:
                await self.subscriber.consume(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("observe: subscriber %r failed", self.subscriber)


class QueueRecorder:
    def __init__(
        self,
        limit: int = QUEUE_MAX,
        subscriber_limit: int = SUBSCRIBER_QUEUE_MAX,
        close_wait_s: float = CLOSE_WAIT_S,
    ) -> None:
        self.dropped = 0
        self._close_wait_s = close_wait_s
        self._limit = limit
        self._subscriber_limit = subscriber_limit
        self._queue: collections.deque[Record] = collections.deque()
        self._subs: list[_Subscription] = []
        self._inline: list[InlineSubscriber] = []  # run in the hand-over itself
        self.inline_failures = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = False  # a hand-over is scheduled
        self._closing: asyncio.Event | None = None
        self._closed = False

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber (before or after `start`); it sees every record handed over
        from now on (also those recorded earlier and still queued)."""
        if isinstance(subscriber, InlineSubscriber):
            self._inline.append(subscriber)
            return
        sub = _Subscription(subscriber, self._subscriber_limit)
        self._subs.append(sub)
        if self._closing is not None:
            sub.task = asyncio.create_task(sub.run(self._closing))

    def dropped_by(self, subscriber: Subscriber) -> int:
        """Records a subscriber lost because it fell behind."""
        return sum(s.dropped for s in self._subs if s.subscriber is subscriber)

    async def start(self) -> None:
        """Start the pump and the subscribers' tasks (on the running loop). Idempotent."""
        if self._loop is not None or self._closed:
            return
        self._loop = asyncio.get_running_loop()
        self._closing = asyncio.Event()
        for sub in self._subs:
            sub.task = asyncio.create_task(sub.run(self._closing))
        if self._queue:
            self._schedule()

    def record(self, r: Record) -> None:
        # Never raises, never blocks (the contract): a try costs nothing when nothing
        # fails, and a failure here must not become the invocation's.
        try:
            if not self._subs and not self._inline:
                return
            if self._closed or len(self._queue) >= self._limit:
                self.dropped += 1
                return
            self._queue.append(r)
            if not self._due and self._loop is not None:
                self._schedule()
        except Exception:
            self.dropped += 1

    def _schedule(self) -> None:
        assert self._loop is not None
        self._due = True
        self._loop.call_soon(self._hand_over)

    def _hand_over(self) -> None:
        self._due = False
        if not self._queue:
            return
        batch = list(self._queue)
        self._queue.clear()
        for inline in self._inline:
            try:
                inline.consume_now(batch)
            except Exception:
                self.inline_failures += 1
                log.exception("observe: subscriber %r failed", inline)
        for sub in self._subs:
            sub.offer(batch)

    async def close(self) -> None:
        """Hand over what is queued, let subscribers finish (bounded), stop. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._loop is None:
            return
        self._hand_over()
        assert self._closing is not None
        self._closing.set()
        tasks = [s.task for s in self._subs if s.task is not None]
        for sub in self._subs:
            sub.wake.set()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self._close_wait_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


class NullRecorder:
    """Keeps nothing: the engine's default when nobody subscribes."""

    dropped = 0

    def record(self, r: Record) -> None:
        pass
