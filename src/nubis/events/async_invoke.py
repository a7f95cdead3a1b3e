"""Workers that run accepted asynchronous (`Event`) invocations to their end.

Each event is leased from the durable queue, run through control, and then, by the
rules of `nubis.control.async_config`: finished (and its record sent to OnSuccess),
rescheduled (a retry after a function error, or a backoff after a throttle or a system
error), or given up (record to OnFailure, original payload to the function's dead-letter
queue). An event leaves the queue only after its destinations hold their copy, so a crash
at any point repeats work, never loses it (at-least-once).

Fair sharing with synchronous calls: this server runs at most `settings.concurrency`
events at once, all functions together, so synchronous invocations always find capacity
beyond that; reserved concurrency is the engine's, and an event it throttles backs off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nubis.control import async_config as rules
from nubis.control.async_config import Decision, EventInvokeConfigs
from nubis.control.invoke import Invoker
from nubis.events.destinations import Destinations
from nubis.model.async_config import AsyncSettings, EventInvokeConfig
from nubis.model.clock import Clock
from nubis.model.errors import NubisError, ResourceNotFoundException, TooManyRequestsException
from nubis.model.function import InvokeResult
from nubis.store.base import DurableEventQueue, QueuedEvent

log = logging.getLogger(__name__)

_IDLE_POLL_S = 1.0  # re-check for due retries at least this often


class AsyncInvoker:
    """Owns its loop task and the tasks of running events; `close()` stops the loop and
    waits for running events. Idempotent.

    `wake` is the event its loop waits on: setting it (or calling `wake()`) makes the
    loop look for due events now. The server gives the same one to the `Invoker` (its
    `on_enqueued` sets it), so neither needs the other to be built first."""

    def __init__(
        self,
        queue: DurableEventQueue,
        invoker: Invoker,
        configs: EventInvokeConfigs,
        destinations: Destinations,
        clock: Clock,
        settings: AsyncSettings | None = None,
        *,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._queue = queue
        self._invoker = invoker
        self._configs = configs
        self._destinations = destinations
        self._clock = clock
        self._settings = settings or AsyncSettings()
        self._wake = asyncio.Event() if wake is None else wake
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        released = await self._queue.release_all()
        if released:
            log.info(
                "async: %d events were running when the server stopped; they run again", released
            )
        self._task = asyncio.create_task(self._loop(), name="nubis-async-invoke")

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            free = self._settings.concurrency - len(self._running)
            if free <= 0:
                await self._wake.wait()  # a running event finishes
                continue
            leased: list[QueuedEvent] = []
            if free > 0:
                try:
                    leased = await self._queue.lease_due(
                        self._clock.time(), self._settings.lease_s, free
                    )
                except Exception:
                    log.exception("async: leasing events failed")
            for event in leased:
                task = asyncio.create_task(self.process(event))
                self._running.add(task)
                task.add_done_callback(self._done)
            if leased and len(leased) == free:
                await self._wake.wait()  # a slot frees up (or a new event arrives)
                continue
            if leased:
                continue
            pause = _IDLE_POLL_S
            due = await self._queue.next_due()
            if due is not None:
                pause = max(0.0, min(pause, due - self._clock.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def process(self, event: QueuedEvent) -> None:
        """One leased event: run it and settle it. Never raises (a failure to settle
        leaves the lease to expire, so the event runs again)."""
        try:
            await self._process(event)
        except Exception:
            log.exception("async event %s: could not settle; it will run again", event.id)

    async def _process(self, event: QueuedEvent) -> None:
        config = await self._configs.effective(event.function_name, event.qualifier)
        now = self._clock.time()
        if rules.expired(event, config, now):
            # Not run on this lease: the invocations so far are the earlier leases.
            await self._give_up(event, config, rules.EVENT_AGE_EXCEEDED, None, event.attempts - 1)
            return
        try:
            result = await self._invoker.run_event(event)
        except ResourceNotFoundException:
            log.warning(
                "async event %s: function %s is gone; dropped", event.id, event.function_name
            )
            await self._queue.finish(event.id)
            return
        except TooManyRequestsException:
            if await self._configs.zero_reserved(event.function_name):
                # Lambda does not retry a function that may not run at all.
                condition = rules.ZERO_RESERVED_CONCURRENCY
                await self._give_up(event, config, condition, None, event.attempts - 1)
                return
            await self._settle(
                event,
                config,
                rules.after_throttle(event, config, self._clock.time(), self._settings),
                None,
            )
            return
        except (NubisError, OSError) as exc:
            log.warning("async event %s: system error, backing off: %s", event.id, exc)
            await self._settle(
                event,
                config,
                rules.after_throttle(event, config, self._clock.time(), self._settings),
                None,
            )
            return
        if result.function_error:
            decision = rules.after_function_error(event, config, self._clock.time(), self._settings)
            await self._settle(event, config, decision, result)
            return
        if config.on_success:
            record = rules.destination_record(
                event,
                self._configs.arn(config),
                rules.SUCCESS,
                self._clock.time(),
                result,
                event.attempts,
            )
            await self._destinations.deliver(config.on_success, record)
        await self._queue.finish(event.id)

    async def _settle(
        self,
        event: QueuedEvent,
        config: EventInvokeConfig,
        decision: Decision,
        result: InvokeResult | None,
    ) -> None:
        if decision.retry is not None:
            await self._queue.reschedule(decision.retry)
            self._wake.set()
            return
        condition = decision.condition or rules.RETRIES_EXHAUSTED
        await self._give_up(event, config, condition, result, event.attempts)

    async def _give_up(
        self,
        event: QueuedEvent,
        config: EventInvokeConfig,
        condition: str,
        result: InvokeResult | None,
        invoke_count: int,
    ) -> None:
        log.info("async event %s of %s failed: %s", event.id, event.function_name, condition)
        if config.on_failure:
            record = rules.destination_record(
                event,
                self._configs.arn(config),
                condition,
                self._clock.time(),
                result,
                max(invoke_count, 0),
            )
            await self._destinations.deliver(config.on_failure, record)
        dead_letter = await self._configs.dead_letter(event.function_name, event.qualifier)
        if dead_letter:
            code, message = rules.dlq_error(result, condition)
            await self._destinations.deliver(
                dead_letter,
                event.payload.decode(errors="replace"),
                {"RequestID": event.id, "ErrorCode": code, "ErrorMessage": message},
            )
        await self._queue.finish(event.id)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
