"""Workers that run accepted asynchronous (`Event`) invocations.

This is the first cut: each event is leased from the queue, run once through control,
and acknowledged. Retries, maximum event age, destinations and the durable queue are the
async-invocation issue's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nubis.control.invoke import Invoker
from nubis.model.clock import Clock
from nubis.model.errors import NubisError
from nubis.store.base import EventQueue, QueuedEvent

log = logging.getLogger(__name__)

LEASE_S = 960.0  # longer than the longest function timeout (900 s)


class AsyncInvoker:
    """Owns its worker task; `close()` stops it and waits for running events. Idempotent."""

    def __init__(
        self, queue: EventQueue, invoker: Invoker, clock: Clock, concurrency: int = 64
    ) -> None:
        self._queue = queue
        self._invoker = invoker
        self._clock = clock
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="nubis-async-invoke")

    async def _loop(self) -> None:
        while True:
            free = self._concurrency - len(self._running)
            leased = self._queue.lease(self._clock.time(), LEASE_S, free) if free > 0 else []
            for event in leased:
                task = asyncio.create_task(self._run(event))
                self._running.add(task)
                task.add_done_callback(self._done)
            if not leased:
                self._wake.clear()
                # Woken by a new event or by a finished one; the timeout picks up leases
                # that expired.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def _run(self, event: QueuedEvent) -> None:
        try:
            result = await self._invoker.run_event(event)
            if result.function_error:
                log.info("async event %s ended with a function error", event.id)
        except NubisError as exc:
            log.warning("async event %s failed: %s: %s", event.id, exc.wire_type, exc.message)
        except Exception:
            log.exception("async event %s failed", event.id)
        self._queue.ack(event.id)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
