"""The async worker's rules with a fake clock: retry schedule, backoff after throttles,
maximum event age, dead letters, and leases that outlive a crash. Real durable store,
stubbed invoker and destinations, no sleeping."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nubis.events.async_invoke import AsyncInvoker
from nubis.model.async_config import AsyncSettings, EventInvokeConfig
from nubis.model.clock import FakeClock
from nubis.model.errors import TooManyRequestsException
from nubis.model.function import InvokeResult
from nubis.store.base import QueuedEvent
from nubis.store.sqlite import SqliteEventStore

FAILED = InvokeResult(b'{"errorMessage": "boom", "errorType": "E"}', function_error="Unhandled")


class Invoker:
    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    async def run_event(self, event: QueuedEvent) -> InvokeResult:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]


class Configs:
    def __init__(self, config: EventInvokeConfig) -> None:
        self.config = config
        self.dead_letters: dict[str, str] = {}  # function -> its DeadLetterConfig target

    async def dead_letter(self, function: str, qualifier: str | None) -> str | None:
        return self.dead_letters.get(function)

    async def zero_reserved(self, function: str) -> bool:
        return False  # reserved concurrency 0: tests/compat/lambda_/async_invoke

    async def effective(self, function: str, qualifier: str | None) -> EventInvokeConfig:
        return self.config

    def arn(self, config: EventInvokeConfig) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{config.function_name}:$LATEST"


class Destinations:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    async def deliver(self, arn: str, body: str, attributes: Any = None) -> bool:
        self.sent.append((arn, body, attributes))
        return True


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    s = SqliteEventStore(tmp_path / "events.db")
    yield s
    s.close()


def worker(
    store: SqliteEventStore,
    clock: FakeClock,
    outcomes: list[Any],
    dead_letter: str | None = None,
    **config: Any,
) -> tuple[AsyncInvoker, Invoker, Destinations]:
    fields: dict[str, Any] = {
        "max_retry_attempts": None,
        "max_event_age_s": None,
        "on_success": "arn:aws:sqs:us-east-1:000000000000:ok",
        "on_failure": "arn:aws:sqs:us-east-1:000000000000:failed",
        **config,
    }
    cfg = EventInvokeConfig("fn", "$LATEST", last_modified=0.0, **fields)
    invoker, destinations = Invoker(outcomes), Destinations()
    settings = AsyncSettings(retry_delays_s=(60.0, 120.0), backoff_base_s=1.0, backoff_max_s=8.0)
    configs = Configs(cfg)
    if dead_letter is not None:
        configs.dead_letters["fn"] = dead_letter
    w = AsyncInvoker(
        store,
        invoker,
        configs,
        destinations,
        clock,
        settings,  # type: ignore[arg-type]
    )
    return w, invoker, destinations


async def enqueue(store: SqliteEventStore, clock: FakeClock) -> None:
    now = clock.time()
    await store.enqueue(QueuedEvent("req-1", "fn", None, b'{"a": 1}', now, due_at=now))


async def step(store: SqliteEventStore, w: AsyncInvoker, clock: FakeClock) -> int:
    """Run every due event once; how many ran."""
    leased = await store.lease_due(clock.time(), 960.0, 10)
    for event in leased:
        await w.process(event)
    return len(leased)


def test_function_error_retried_after_60_then_120_seconds(store: SqliteEventStore) -> None:
    async def main() -> None:
        clock = FakeClock()
        w, invoker, dest = worker(
            store, clock, [FAILED], dead_letter="arn:aws:sqs:us-east-1:000000000000:dlq"
        )
        await enqueue(store, clock)
        assert await step(store, w, clock) == 1
        clock.advance(59.9)
        assert await step(store, w, clock) == 0
        clock.advance(0.1)
        assert await step(store, w, clock) == 1  # first retry at +60 s
        clock.advance(119.9)
        assert await step(store, w, clock) == 0
        clock.advance(0.1)
        assert await step(store, w, clock) == 1  # second retry 120 s later
        assert invoker.calls == 3
        assert await store.depth() == 0
        (failure, dead) = dest.sent
        record = json.loads(failure[1])
        assert failure[0].endswith(":failed")
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 3
        assert record["responsePayload"] == {"errorMessage": "boom", "errorType": "E"}
        assert dead[0].endswith(":dlq")
        assert json.loads(dead[1]) == {"a": 1}
        assert dead[2] == {"RequestID": "req-1", "ErrorCode": "200", "ErrorMessage": "boom"}

    asyncio.run(main())


def test_zero_retries_and_success(store: SqliteEventStore) -> None:
    async def main() -> None:
        clock = FakeClock()
        w, invoker, dest = worker(store, clock, [FAILED], max_retry_attempts=0)
        await enqueue(store, clock)
        await step(store, w, clock)
        assert invoker.calls == 1
        assert json.loads(dest.sent[0][1])["requestContext"]["condition"] == "RetriesExhausted"
        ok, _, dest2 = worker(store, clock, [InvokeResult(b'{"r": 2}')])
        await enqueue(store, clock)  # same id, but the first one is gone
        await step(store, ok, clock)
        record = json.loads(dest2.sent[0][1])
        assert dest2.sent[0][0].endswith(":ok")
        assert record["requestContext"]["condition"] == "Success"
        assert record["responsePayload"] == {"r": 2}

    asyncio.run(main())


def test_throttles_back_off_until_the_event_is_too_old(store: SqliteEventStore) -> None:
    async def main() -> None:
        clock = FakeClock()
        throttled = TooManyRequestsException("Rate Exceeded.")
        w, invoker, dest = worker(store, clock, [throttled], max_event_age_s=60)
        await enqueue(store, clock)
        gaps = []
        last = clock.time()
        while await store.depth():
            due = await store.next_due()
            assert due is not None
            clock.advance(max(0.0, due - clock.time()))
            if await step(store, w, clock):
                gaps.append(round(clock.time() - last, 3))
                last = clock.time()
        # Throttles are not retries: they back off 1, 2, 4, 8, 8, ... s until 60 s of age.
        assert gaps[:6] == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
        assert clock.time() - 1_700_000_000.0 <= 60
        (failure,) = dest.sent
        record = json.loads(failure[1])
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert invoker.calls == len(gaps)

    asyncio.run(main())


def test_event_too_old_is_not_run(store: SqliteEventStore) -> None:
    async def main() -> None:
        clock = FakeClock()
        w, invoker, dest = worker(store, clock, [InvokeResult(b"{}")], max_event_age_s=60)
        await enqueue(store, clock)
        clock.advance(61)
        await step(store, w, clock)
        assert invoker.calls == 0
        record = json.loads(dest.sent[0][1])
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestContext"]["approximateInvokeCount"] == 0
        assert "responsePayload" not in record

    asyncio.run(main())


def test_leases_of_a_crashed_server_are_released(tmp_path: Path) -> None:
    async def main() -> None:
        first = SqliteEventStore(tmp_path / "events.db")
        await first.enqueue(QueuedEvent("e1", "fn", None, b"{}", 1.0, due_at=1.0))
        assert len(await first.lease_due(2.0, 960.0, 10)) == 1
        first.close()  # as if killed while the event ran
        second = SqliteEventStore(tmp_path / "events.db")
        assert await second.lease_due(3.0, 960.0, 10) == []
        assert await second.release_all() == 1
        (again,) = await second.lease_due(3.0, 960.0, 10)
        assert again.id == "e1"
        assert again.attempts == 2
        second.close()

    asyncio.run(main())
