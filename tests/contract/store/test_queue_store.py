"""`QueueStore`: the SQS-compatible queues' storage. Visibility, receipts, receive counts,
FIFO groups, deduplication, redrive and retention, with every `now` from a `FakeClock`."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from nubis.model.clock import FakeClock
from nubis.model.queue import MessageAttribute, NewMessage, QueueCounts, QueueRecord, Redrive
from nubis.store.sqlite.queues import SqliteQueueStore
from tests.contract.store.conftest import Opened

KEEP = 345_600.0  # retention: four days
DEDUP_S = 300.0


def record(name: str = "q", **attributes: str) -> QueueRecord:
    return QueueRecord(name, dict(attributes), 1.0, 1.0)


def msg(
    message_id: str,
    visible_at: float = 0.0,
    group: str | None = None,
    dedup: str | None = None,
) -> NewMessage:
    return NewMessage(
        message_id, f"body {message_id}", {}, {}, "md5", None, None, visible_at, group, dedup
    )


async def receive(
    queues: Any,
    now: float,
    limit: int = 10,
    visibility_s: float = 30.0,
    *,
    name: str = "q",
    fifo: bool = False,
    redrive: Redrive | None = None,
    retention_s: float = KEEP,
) -> list[Any]:
    return list(
        await queues.receive(
            name, now, limit, visibility_s, fifo=fifo, redrive=redrive, retention_s=retention_s
        )
    )


def receipt(m: Any) -> tuple[int, str]:
    seq, _, token = m.receipt.partition(":")
    return int(seq), token


async def test_create_is_insert_unless_it_exists(queues: Any) -> None:
    assert await queues.get_queue("q") is None
    first = await queues.create_queue(record(VisibilityTimeout="30"))
    assert first == record(VisibilityTimeout="30")
    again = await queues.create_queue(QueueRecord("q", {"VisibilityTimeout": "5"}, 2.0, 2.0))
    assert again == first  # the stored one, unchanged
    assert await queues.get_queue("q") == first


async def test_list_by_prefix_in_name_order(queues: Any) -> None:
    for name in ["b", "a2", "a1", "c.fifo"]:
        await queues.create_queue(record(name))
    assert [r.name for r in await queues.list_queues("")] == ["a1", "a2", "b", "c.fifo"]
    assert [r.name for r in await queues.list_queues("a")] == ["a1", "a2"]
    assert await queues.list_queues("z") == []


async def test_set_attributes_merges(queues: Any) -> None:
    await queues.create_queue(record(VisibilityTimeout="30", DelaySeconds="0"))
    assert await queues.set_attributes("q", {"DelaySeconds": "5", "Policy": "{}"}, 9.0)
    stored = await queues.get_queue("q")
    assert dict(stored.attributes) == {
        "VisibilityTimeout": "30",
        "DelaySeconds": "5",
        "Policy": "{}",
    }
    assert (stored.created, stored.modified) == (1.0, 9.0)
    assert not await queues.set_attributes("nope", {"DelaySeconds": "5"}, 9.0)


async def test_delete_queue_takes_its_messages(queues: Any) -> None:
    now = FakeClock().time()
    await queues.create_queue(record())
    await queues.send("q", [msg("m1", now)], now, DEDUP_S)
    assert await queues.delete_queue("q")
    assert not await queues.delete_queue("q")
    assert await queues.get_queue("q") is None
    await queues.create_queue(record())
    assert await queues.counts("q", now) == QueueCounts(0, 0, 0)


async def test_a_message_round_trips(queues: Any) -> None:
    now = FakeClock().time()
    await queues.create_queue(record())
    attrs = {
        "s": MessageAttribute("String", "v"),
        "b": MessageAttribute("Binary", None, b"\x00\xff"),
        "n": MessageAttribute("Number.int", "7"),
    }
    trace = {"AWSTraceHeader": MessageAttribute("String", "Root=1-x")}
    sent = NewMessage("id-1", "héllo", attrs, trace, "m1", "m2", "m3", now)
    (result,) = await queues.send("q", [sent], now, DEDUP_S)
    assert (result.message_id, result.sequence_number, result.duplicate) == ("id-1", None, False)
    (got,) = await receive(queues, now)
    assert (got.message_id, got.body, dict(got.attributes)) == ("id-1", "héllo", attrs)
    assert dict(got.system_attributes) == trace
    assert (got.md5_body, got.md5_attributes, got.md5_system_attributes) == ("m1", "m2", "m3")
    assert (got.sent_at, got.receive_count, got.first_receive_at) == (now, 1, now)
    assert receipt(got)[0] == got.seq
    assert (got.group_id, got.dedup_id, got.dead_letter_source) == (None, None, None)


async def test_visibility_receive_counts_and_receipts(queues: Any) -> None:
    clock = FakeClock()
    t = clock.time()
    await queues.create_queue(record())
    await queues.send("q", [msg("m1", t)], t, DEDUP_S)
    (first,) = await receive(queues, t, visibility_s=30)
    assert await receive(queues, t + 29) == []  # in flight
    assert await queues.counts("q", t + 29) == QueueCounts(0, 1, 0)
    assert await queues.next_visible_at("q", t + 29) == t + 30
    (second,) = await receive(queues, t + 30, visibility_s=30)
    assert (second.message_id, second.receive_count) == ("m1", 2)
    assert second.first_receive_at == t  # the first receive's time, kept
    assert second.receipt != first.receipt
    seq, stale = receipt(first)
    assert not await queues.delete_message("q", seq, stale)  # only the latest receipt
    assert not await queues.delete_message("other", *receipt(second))
    assert await queues.delete_message("q", *receipt(second))
    assert not await queues.delete_message("q", *receipt(second))
    assert await queues.counts("q", t + 30) == QueueCounts(0, 0, 0)


async def test_receive_takes_visible_messages_in_order_up_to_limit(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.create_queue(record("other"))
    await queues.send("q", [msg("later", t + 5), msg("a", t), msg("b", t)], t, DEDUP_S)
    await queues.send("q", [msg("earlier", t - 5)], t, DEDUP_S)
    await queues.send("other", [msg("x", t)], t, DEDUP_S)
    assert await queues.counts("q", t) == QueueCounts(3, 0, 1)
    assert [m.message_id for m in await receive(queues, t, limit=2)] == ["earlier", "a"]
    assert [m.message_id for m in await receive(queues, t)] == ["b"]
    assert await queues.next_visible_at("q", t) == t + 5  # the delayed one first
    assert [m.message_id for m in await receive(queues, t + 5)] == ["later"]


async def test_each_message_at_most_once_per_receive(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.send("q", [msg("a", t), msg("b", t)], t, DEDUP_S)
    got = await receive(queues, t, limit=10, visibility_s=0)
    assert sorted(m.message_id for m in got) == ["a", "b"]
    assert [m.receive_count for m in got] == [1, 1]


async def test_change_visibility_only_under_the_latest_receipt(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.send("q", [msg("m1", t), msg("m2", t)], t, DEDUP_S)
    m1, m2 = await receive(queues, t, visibility_s=30)
    assert await queues.change_visibility("q", *receipt(m1), t + 100, t + 1)
    assert not await queues.change_visibility("q", receipt(m1)[0], "stale", t + 5, t + 1)
    assert not await queues.change_visibility("other", *receipt(m1), t + 5, t + 1)
    assert await queues.next_visible_at("q", t + 1) == t + 30  # m2's
    # Back to visible now: the next receive takes it, and not m1.
    assert await queues.change_visibility("q", *receipt(m2), t + 2, t + 1)
    (again,) = await receive(queues, t + 2, visibility_s=1)
    assert again.message_id == "m2"
    # Its visibility ended, but the receipt is still its latest: it can be hidden again
    # (SQS allows this until the message is received again).
    assert await queues.change_visibility("q", *receipt(again), t + 60, t + 3)
    assert await receive(queues, t + 4) == []
    assert await queues.counts("q", t + 4) == QueueCounts(0, 2, 0)
    (third,) = await receive(queues, t + 60)
    assert third.message_id == "m2"
    # Received again: the earlier receipt changes nothing.
    assert not await queues.change_visibility("q", *receipt(again), t + 90, t + 61)
    assert sorted(m.message_id for m in await receive(queues, t + 100)) == ["m1", "m2"]


async def test_counts_visible_in_flight_delayed(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    assert await queues.counts("q", t) == QueueCounts(0, 0, 0)
    assert await queues.next_visible_at("q", t) is None
    await queues.send("q", [msg("v1", t), msg("v2", t), msg("d", t + 10)], t, DEDUP_S)
    await receive(queues, t, limit=1, visibility_s=20)
    assert await queues.counts("q", t) == QueueCounts(1, 1, 1)
    assert await queues.next_visible_at("q", t) == t + 10
    assert await queues.counts("q", t + 10) == QueueCounts(2, 1, 0)
    assert await queues.counts("q", t + 20) == QueueCounts(3, 0, 0)
    assert await queues.next_visible_at("q", t + 20) is None
    assert await queues.counts("nope", t) == QueueCounts(0, 0, 0)


async def test_purge_empties_the_queue_and_keeps_it(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.send("q", [msg("a", t), msg("b", t + 60)], t, DEDUP_S)
    await receive(queues, t, limit=1)
    await queues.purge("q")
    assert await queues.counts("q", t) == QueueCounts(0, 0, 0)
    assert await queues.get_queue("q") is not None
    await queues.purge("q")


async def test_deduplication_within_the_window(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record("q.fifo"))
    await queues.create_queue(record("r.fifo"))
    (first,) = await queues.send("q.fifo", [msg("m1", t, "g", "d1")], t, DEDUP_S)
    assert first.sequence_number is not None
    assert not first.duplicate
    dup, other = await queues.send(
        "q.fifo", [msg("m2", t, "g", "d1"), msg("m3", t, "g", "d2")], t + DEDUP_S - 1, DEDUP_S
    )
    assert (dup.message_id, dup.sequence_number, dup.duplicate) == (
        "m1",
        first.sequence_number,
        True,
    )
    assert not other.duplicate
    assert int(other.sequence_number) > int(first.sequence_number)
    (elsewhere,) = await queues.send("r.fifo", [msg("m4", t, "g", "d1")], t, DEDUP_S)
    assert not elsewhere.duplicate  # per queue
    (later,) = await queues.send("q.fifo", [msg("m5", t, "g", "d1")], t + DEDUP_S, DEDUP_S)
    assert later.message_id == "m5"
    assert not later.duplicate
    got = await receive(queues, t + DEDUP_S, name="q.fifo", fifo=True)
    assert [m.message_id for m in got] == ["m1", "m3", "m5"]
    assert got[0].dedup_id == "d1"
    assert got[0].group_id == "g"


async def test_fifo_hands_out_in_sequence_order_never_behind_a_message_in_flight(
    queues: Any,
) -> None:
    t = FakeClock().time()
    await queues.create_queue(record("q.fifo"))
    sent = [msg("a1", t, "A"), msg("b1", t, "B"), msg("a2", t, "A"), msg("b2", t, "B")]
    await queues.send("q.fifo", sent, t, DEDUP_S)

    async def take(now: float, limit: int) -> list[str]:
        got = await receive(queues, now, limit, visibility_s=30, name="q.fifo", fifo=True)
        return [m.message_id for m in got]

    assert await take(t, 1) == ["a1"]
    assert await take(t, 10) == ["b1", "b2"]  # A waits for a1; B's in order
    assert await take(t, 10) == []
    assert await take(t + 30, 1) == ["a1"]  # a1's visibility ended: it comes again, first


async def test_fifo_delayed_message_holds_back_its_group(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record("q.fifo"))
    await queues.send(
        "q.fifo", [msg("a1", t + 10, "A"), msg("a2", t, "A"), msg("b1", t, "B")], t, DEDUP_S
    )
    got = await receive(queues, t, name="q.fifo", fifo=True)
    assert [m.message_id for m in got] == ["b1"]
    got = await receive(queues, t + 10, name="q.fifo", fifo=True)
    assert [m.message_id for m in got] == ["a1", "a2"]


async def test_fifo_sequence_numbers_grow(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record("q.fifo"))
    results = await queues.send("q.fifo", [msg(f"m{i}", t, "g") for i in range(3)], t, DEDUP_S)
    numbers = [r.sequence_number for r in results]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert all(len(n) == 20 and n.isdigit() for n in numbers)  # SQS's form: ordered as text


async def test_redrive_moves_a_message_after_max_receives(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.create_queue(record("dlq"))
    redrive = Redrive("dlq", 2, "arn:aws:sqs:us-east-1:000000000000:q")
    await queues.send("q", [msg("m1", t)], t, DEDUP_S)
    for i in range(2):
        (m,) = await receive(queues, t + 10 * i, visibility_s=5, redrive=redrive)
        assert m.receive_count == i + 1
    assert await receive(queues, t + 20, visibility_s=5, redrive=redrive) == []
    assert await queues.counts("q", t + 20) == QueueCounts(0, 0, 0)
    (moved,) = await receive(queues, t + 20, name="dlq")
    # The receive count goes on from the source queue's (SQS carries it over).
    assert (moved.message_id, moved.receive_count) == ("m1", 3)
    assert moved.dead_letter_source == redrive.source_arn
    assert moved.first_receive_at == t
    assert moved.sent_at == t  # its age is the original message's


async def test_a_fifo_dead_letter_starts_its_retention_again(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record("q.fifo"))
    await queues.create_queue(record("dlq.fifo"))
    redrive = Redrive("dlq.fifo", 1, "arn:aws:sqs:us-east-1:000000000000:q.fifo")
    await queues.send("q.fifo", [msg("m1", t, "g", "d1")], t, DEDUP_S)
    got = await receive(queues, t, visibility_s=5, name="q.fifo", fifo=True, redrive=redrive)
    assert len(got) == 1
    assert await receive(queues, t + 10, name="q.fifo", fifo=True, redrive=redrive) == []
    (moved,) = await receive(queues, t + 10, name="dlq.fifo", fifo=True)
    assert (moved.message_id, moved.receive_count, moved.sent_at) == ("m1", 2, t + 10)


async def test_tags_are_replaced_whole_and_kept(durable: Opened) -> None:
    first = durable("queues")
    assert not await first.set_tags("q", {"a": "1"})
    await first.create_queue(QueueRecord("q", {}, 1.0, 1.0, {"team": "x"}))
    assert (await first.get_queue("q")).tags == {"team": "x"}
    assert await first.set_tags("q", {"a": "1", "b": ""})
    first.close()
    again = durable("queues")
    assert (await again.get_queue("q")).tags == {"a": "1", "b": ""}
    assert [r.tags for r in await again.list_queues("")] == [{"a": "1", "b": ""}]


async def test_retention_drops_old_messages_at_receive(queues: Any) -> None:
    t = FakeClock().time()
    await queues.create_queue(record())
    await queues.send("q", [msg("old", t)], t, DEDUP_S)
    await queues.send("q", [msg("new", t + 50)], t + 50, DEDUP_S)
    got = await receive(queues, t + 101, retention_s=100)
    assert [m.message_id for m in got] == ["new"]
    assert await queues.counts("q", t + 200) == QueueCounts(1, 0, 0)  # "old" is gone


async def test_queues_and_messages_survive_reopen(durable: Opened) -> None:
    t = FakeClock().time()
    first = durable("queues")
    await first.create_queue(record("q.fifo"))
    await first.send("q.fifo", [msg("a", t, "g", "d"), msg("b", t, "g")], t, DEDUP_S)
    (a,) = await first.receive("q.fifo", t, 1, 30.0, fifo=True, redrive=None, retention_s=KEEP)
    first.close()
    again = durable("queues")
    assert (await again.get_queue("q.fifo")).name == "q.fifo"
    assert await again.counts("q.fifo", t) == QueueCounts(1, 1, 0)
    (dup,) = await again.send("q.fifo", [msg("c", t, "g", "d")], t + 1, DEDUP_S)
    assert dup.duplicate
    assert dup.message_id == "a"
    assert await again.delete_message("q.fifo", *receipt(a))  # the receipt still holds


# The schema of queues.db before queue tags (Nubis 0.x): a data dir of it must open.
_OLD_SCHEMA = """
CREATE TABLE queues (name TEXT PRIMARY KEY, attributes TEXT NOT NULL, created REAL NOT NULL,
    modified REAL NOT NULL);
CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL,
    message_id TEXT NOT NULL, body TEXT NOT NULL, attributes TEXT, system_attributes TEXT,
    md5_body TEXT NOT NULL, md5_attributes TEXT, md5_system TEXT, sent_at REAL NOT NULL,
    visible_at REAL NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
    first_receive_at REAL, token TEXT, group_id TEXT, dedup_id TEXT, dead_letter_source TEXT);
CREATE TABLE dedup (queue TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL,
    seq INTEGER NOT NULL, expires REAL NOT NULL, PRIMARY KEY (queue, dedup_id));
INSERT INTO queues VALUES ('old', '{"VisibilityTimeout": "30"}', 1.0, 1.0);
INSERT INTO messages (queue, message_id, body, md5_body, sent_at, visible_at)
    VALUES ('old', 'm-old', 'kept', 'md5', 5.0, 5.0);
"""


async def test_a_queues_db_from_before_tags_opens_with_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(_OLD_SCHEMA)
    store = SqliteQueueStore(path)
    try:
        old = await store.get_queue("old")
        assert old is not None
        assert (old.attributes, old.tags) == ({"VisibilityTimeout": "30"}, {})
        (m,) = await store.receive(
            "old", 10.0, 10, 30.0, fifo=False, redrive=None, retention_s=KEEP
        )
        assert (m.message_id, m.body) == ("m-old", "kept")
        assert await store.set_tags("old", {"k": "v"})
    finally:
        store.close()
    again = SqliteQueueStore(path)  # migrated once: opens again as it is
    try:
        assert (await again.get_queue("old")).tags == {"k": "v"}  # type: ignore[union-attr]
    finally:
        again.close()
