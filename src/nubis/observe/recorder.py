"""QueueRecorder: the non-blocking `Recorder` (contract in `nubis.observe.base`).

    record(r) ─▶ deque (bounded) ─▶ pump task ─▶ per subscriber: deque (bounded) ─▶ task
                                                                   └─ consume(batch)

`record` is one length check, one `deque.append` and an `Event.set` (a no-op while the
pump is already due): nothing is formatted, awaited or written on the caller's path. The
pump moves a batch to every subscriber's own queue; each subscriber has a task of its own,
so a slow one (a network sink) only ever fills its own queue, and what does not fit is
dropped and counted in its `dropped`, never waited for.

Lifetime: records recorded before `start()` wait in the queue (up to its bound); `close()`
hands them over, gives the subscribers `close_wait_s` to finish, then cancels them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Sequence

from nubis.observe.base import Subscriber
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
        self._wake: asyncio.Event | None = None
        self._closing: asyncio.Event | None = None
        self._pump: asyncio.Task[None] | None = None
        self._closed = False

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber (before or after `start`); it sees every record handed over
        from now on (also those recorded earlier and still queued)."""
        sub = _Subscription(subscriber, self._subscriber_limit)
        self._subs.append(sub)
        if self._closing is not None:
            sub.task = asyncio.create_task(sub.run(self._closing))

    def dropped_by(self, subscriber: Subscriber) -> int:
        """Records a subscriber lost because it fell behind."""
        return sum(s.dropped for s in self._subs if s.subscriber is subscriber)

    async def start(self) -> None:
        """Start the pump and the subscribers' tasks (on the running loop). Idempotent."""
        if self._pump is not None or self._closed:
            return
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        for sub in self._subs:
            sub.task = asyncio.create_task(sub.run(self._closing))
        self._pump = asyncio.create_task(self._run())
        if self._queue:
            self._wake.set()

    def record(self, r: Record) -> None:
        # Never raises, never blocks (the contract): a try costs nothing when nothing
        # fails, and a failure here must not become the invocation's.
        try:
            if self._closed or len(self._queue) >= self._limit:
                self.dropped += 1
                return
            self._queue.append(r)
            if self._wake is not None:
                self._wake.set()
        except Exception:
            self.dropped += 1

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._hand_over()

    def _hand_over(self) -> None:
        if not self._queue:
            return
        batch = list(self._queue)
        self._queue.clear()
        for sub in self._subs:
            sub.offer(batch)

    async def close(self) -> None:
        """Hand over what is queued, let subscribers finish (bounded), stop. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._pump is None:
            return
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump
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
