"""`DurableEventQueue`: accepted `Event` invocations, leased to workers (at-least-once).

Time is a `FakeClock`: the queue reads none itself, every `now` is the caller's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from nubis.model.clock import FakeClock
from nubis.store.base import QueuedEvent
from tests.contract.store.conftest import Backend, Opened

LEASE_S = 960.0


def event(event_id: str, at: float, due: float = 0.0, qualifier: str | None = None) -> QueuedEvent:
    return QueuedEvent(
        event_id, "fn", qualifier, b'{"id": "%s"}' % event_id.encode(), at, due_at=due
    )


async def ids(events: Any, now: float, limit: int = 10) -> list[str]:
    return [e.id for e in await events.lease_due(now, LEASE_S, limit)]


async def test_enqueue_is_idempotent_per_id(events: Any) -> None:
    now = FakeClock().time()
    await events.enqueue(event("a", now))
    await events.enqueue(replace(event("a", now), payload=b"other"))
    assert await events.depth() == 1
    (leased,) = await events.lease_due(now, LEASE_S, 10)
    assert leased.payload == b'{"id": "a"}'  # the first one stays


async def test_an_event_round_trips_and_is_due_when_enqueued(events: Any) -> None:
    now = FakeClock().time()
    sent = QueuedEvent("a", "fn", "live", b"\x00\xffbytes", now, attempts=0, retries=1)
    await events.enqueue(sent)  # due_at 0: due at once
    assert await events.next_due() == now
    (leased,) = await events.lease_due(now, LEASE_S, 10)
    assert leased == replace(sent, attempts=1, due_at=now)


async def test_lease_due_hands_out_due_events_oldest_first_up_to_limit(events: Any) -> None:
    clock = FakeClock()
    t = clock.time()
    await events.enqueue(event("late", t, due=t + 60))
    await events.enqueue(event("second", t, due=t + 2))
    await events.enqueue(event("first", t, due=t + 1))
    await events.enqueue(event("tie", t, due=t + 2))  # same due_at: in arrival order
    assert await ids(events, t) == []
    clock.advance(2)
    assert await ids(events, clock.time(), limit=2) == ["first", "second"]
    assert await ids(events, clock.time()) == ["tie"]
    assert await ids(events, clock.time()) == []
    clock.advance(58)
    assert await ids(events, clock.time()) == ["late"]
    assert await events.lease_due(clock.time(), LEASE_S, 0) == []


async def test_each_lease_counts_an_attempt_and_a_leased_event_is_not_leased_again(
    events: Any,
) -> None:
    clock = FakeClock()
    await events.enqueue(event("a", clock.time()))
    (first,) = await events.lease_due(clock.time(), LEASE_S, 10)
    assert first.attempts == 1
    clock.advance(LEASE_S - 1)  # still within the lease
    assert await ids(events, clock.time()) == []
    assert await events.next_due() is None  # only waiting events are due
    assert await events.depth() == 1  # leased events count


async def test_a_single_owner_keeps_a_lease_past_lease_s(events: Any, backend: Backend) -> None:
    if not backend.single_owner:
        pytest.skip("a shared queue hands expired leases to other nodes")
    clock = FakeClock()
    await events.enqueue(event("a", clock.time()))
    await events.lease_due(clock.time(), LEASE_S, 10)
    clock.advance(LEASE_S * 10)
    assert await ids(events, clock.time()) == []  # still running, as far as the queue knows
    assert await events.release_all() == 1  # what the owner's restart does
    assert await ids(events, clock.time()) == ["a"]


async def test_reschedule_ends_the_lease_with_new_counters(events: Any) -> None:
    clock = FakeClock()
    t = clock.time()
    await events.enqueue(event("a", t))
    (leased,) = await events.lease_due(t, LEASE_S, 10)
    await events.reschedule(replace(leased, retries=1, due_at=t + 60))
    assert await events.next_due() == t + 60
    assert await ids(events, t + 59) == []
    (again,) = await events.lease_due(t + 60, LEASE_S, 10)
    assert (again.attempts, again.retries, again.due_at) == (2, 1, t + 60)
    assert again.enqueued_at == t  # the event's age runs from when it was accepted


async def test_finish_removes_and_is_idempotent(events: Any) -> None:
    now = FakeClock().time()
    await events.enqueue(event("a", now))
    await events.enqueue(event("b", now))
    await events.lease_due(now, LEASE_S, 1)
    await events.finish("a")  # leased
    await events.finish("b")  # waiting
    await events.finish("b")
    await events.finish("never-stored")
    assert await events.depth() == 0
    assert await events.next_due() is None
    await events.enqueue(event("a", now))  # a finished id may come again
    assert await events.depth() == 1


async def test_release_all_makes_every_leased_event_waiting(events: Any) -> None:
    now = FakeClock().time()
    for name in "abc":
        await events.enqueue(event(name, now))
    assert await events.release_all() == 0
    assert await ids(events, now, limit=2) == ["a", "b"]
    assert await events.release_all() == 2
    assert await events.release_all() == 0
    leased = await events.lease_due(now, LEASE_S, 10)
    assert [(e.id, e.attempts) for e in leased] == [("a", 2), ("b", 2), ("c", 1)]


async def test_next_due_is_the_earliest_waiting_event(events: Any) -> None:
    t = FakeClock().time()
    assert await events.next_due() is None
    await events.enqueue(event("a", t, due=t + 30))
    await events.enqueue(event("b", t, due=t + 10))
    assert await events.next_due() == t + 10
    await events.lease_due(t + 10, LEASE_S, 10)
    assert await events.next_due() == t + 30


async def test_accepted_events_and_leases_survive_reopen(durable: Opened) -> None:
    t = FakeClock().time()
    first = durable("events")
    for name in "abc":
        await first.enqueue(event(name, t))
    await first.lease_due(t, LEASE_S, 2)  # a and b are running when the server stops
    await first.finish("b")
    first.close()
    again = durable("events")
    assert await again.depth() == 2
    assert await again.release_all() == 1  # a's lease is stale: the restart ends it
    leased = await again.lease_due(t, LEASE_S, 10)
    assert [(e.id, e.attempts) for e in leased] == [("a", 2), ("c", 1)]
