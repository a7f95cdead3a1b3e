"""`LogStore`: CloudWatch Logs' groups, streams and events, against the in-memory fake and
SQLite (`logs.db`), with the contract of `nubis.store.logs`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nubis.model.logs import LogGroup, LogStream, NewEvent, Position, StreamKey
from nubis.store.logs import DAY_MS, Created, LogStore
from nubis.store.memory.logs import MemoryLogStore
from nubis.store.sqlite.logs import SqliteLogStore

Reopen = Callable[[], LogStore]


@pytest.fixture(params=["memory", "sqlite"])
def opened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LogStore, Reopen]]:
    """A store, and how to open it again (the SQLite file; the same memory store)."""
    stores: list[LogStore] = []

    def make() -> LogStore:
        if request.param == "memory":
            store: LogStore = stores[0] if stores else MemoryLogStore()
        else:
            for s in stores:
                s.close()
            store = SqliteLogStore(tmp_path / "logs.db")
        stores.append(store)
        return store

    yield make(), make
    for s in stores:
        s.close()


@pytest.fixture
def store(opened: tuple[LogStore, Reopen]) -> LogStore:
    return opened[0]


async def group_with(store: LogStore, *streams: str, name: str = "g") -> None:
    assert await store.create_group(LogGroup(name, 1)) is Created.CREATED
    for s in streams:
        assert await store.create_stream(LogStream(name, s, 2)) is Created.CREATED


def ev(*pairs: tuple[int, str]) -> list[NewEvent]:
    return [NewEvent(t, m) for t, m in pairs]


async def test_create_never_replaces(store: LogStore) -> None:
    assert await store.create_group(LogGroup("g", 1, tags={"a": "1"})) is Created.CREATED
    assert await store.create_group(LogGroup("g", 5)) is Created.EXISTS
    group = await store.get_group("g")
    assert group is not None
    assert group.created == 1
    assert group.tags == {"a": "1"}
    assert await store.create_stream(LogStream("nope", "s", 1)) is Created.NO_GROUP
    assert await store.create_stream(LogStream("g", "s", 1)) is Created.CREATED
    assert await store.create_stream(LogStream("g", "s", 9)) is Created.EXISTS
    stream = await store.get_stream("g", "s")
    assert stream is not None
    assert stream.created == 1
    assert stream.first_event is None


async def test_list_groups_prefix_contains_after(store: LogStore) -> None:
    for name in ("/b/x", "/a/Yes", "/a/no", "/a/yes2"):
        await store.create_group(LogGroup(name, 1))
    names = [g.name for g in await store.list_groups("/a/", None, None, 10)]
    assert names == ["/a/Yes", "/a/no", "/a/yes2"]
    assert [g.name for g in await store.list_groups(None, "YES", None, 10)] == ["/a/Yes", "/a/yes2"]
    assert [g.name for g in await store.list_groups("/a/", None, "/a/Yes", 1)] == ["/a/no"]
    assert await store.list_groups("/A/", None, None, 10) == []  # a prefix is case-sensitive


async def test_retention_and_tags(store: LogStore) -> None:
    await group_with(store)
    assert await store.set_retention("g", 7)
    assert await store.tag_group("g", {"a": "1", "b": "2"}, ["b", "zz"])
    group = await store.get_group("g")
    assert group is not None
    assert group.retention_days == 7
    assert group.tags == {"a": "1"}
    assert await store.set_retention("g", None)
    group = await store.get_group("g")
    assert group is not None
    assert group.retention_days is None
    assert not await store.set_retention("nope", 1)
    assert not await store.tag_group("nope", {"a": "1"}, [])


async def test_append_moves_stream_and_group(store: LogStore) -> None:
    await group_with(store, "s")
    assert await store.append("g", "missing", ev((1, "x")), 10) is None
    s = await store.append("g", "s", ev((5, "héllo"), (7, "b")), 100)
    assert s is not None
    assert (s.first_event, s.last_event, s.last_ingestion, s.sequence) == (5, 7, 100, 1)
    s = await store.append("g", "s", ev((3, "c")), 200)
    assert s is not None
    assert (s.first_event, s.last_event, s.sequence) == (3, 7, 2)
    group = await store.get_group("g")
    assert group is not None
    assert group.stored_bytes == len("héllo".encode()) + 2


async def test_read_stream_orders_by_position(store: LogStore) -> None:
    await group_with(store, "s", "t")
    await store.append("g", "s", ev((10, "a"), (10, "b"), (20, "d")), 1)
    await store.append("g", "s", ev((15, "c")), 2)
    await store.append("g", "t", ev((12, "other")), 3)
    every = await store.read_stream("g", "s", None, None, None, None, 100, True)
    assert [e.message for e in every] == ["a", "b", "c", "d"]
    assert [e.ingestion_time for e in every] == [1, 1, 2, 1]
    assert [
        e.message for e in await store.read_stream("g", "s", None, None, None, None, 2, False)
    ] == ["c", "d"]
    assert [
        e.message for e in await store.read_stream("g", "s", None, None, None, None, 2, True)
    ] == ["a", "b"]
    after = every[1].position
    assert [
        e.message for e in await store.read_stream("g", "s", None, None, after, None, 1, False)
    ] == ["c"]
    before = every[2].position
    assert [
        e.message for e in await store.read_stream("g", "s", None, None, None, before, 5, True)
    ] == ["a", "b"]
    ranged = await store.read_stream("g", "s", 10, 20, None, None, 10, True)
    assert [e.message for e in ranged] == ["a", "b", "c"]  # the end is exclusive


async def test_scan_interleaves_streams(store: LogStore) -> None:
    await group_with(store, "a", "b", "c")
    await store.append("g", "a", ev((1, "a1"), (4, "a4")), 1)
    await store.append("g", "b", ev((2, "b2"), (3, "b3")), 1)
    await store.append("g", "c", ev((5, "c5")), 1)
    every = await store.scan("g", None, None, None, None, None, 100)
    assert [e.message for e in every] == ["a1", "b2", "b3", "a4", "c5"]
    assert [e.stream for e in every] == ["a", "b", "b", "a", "c"]
    assert len({e.event_id for e in every}) == 5
    named = await store.scan("g", ["a", "c"], None, 2, 5, None, 100)
    assert [e.message for e in named] == ["a4", "c5"]  # both ends inclusive
    page = await store.scan("g", None, "b", None, None, None, 1)
    assert [e.message for e in page] == ["b2"]
    rest = await store.scan("g", None, None, None, None, page[0].position, 2)
    assert [e.message for e in rest] == ["b3", "a4"]


async def test_list_streams_orders_and_keysets(store: LogStore) -> None:
    await group_with(store, "c", "a", "b")
    await store.append("g", "c", ev((50, "x")), 1)
    await store.append("g", "b", ev((90, "x")), 1)

    async def names(
        by_time: bool, desc: bool, after: StreamKey | None = None, limit: int = 10
    ) -> list[str]:
        return [s.name for s in await store.list_streams("g", None, by_time, desc, after, limit)]

    assert await names(False, False) == ["a", "b", "c"]
    assert await names(False, True) == ["c", "b", "a"]
    assert await names(True, False) == ["a", "c", "b"]
    assert await names(True, True) == ["b", "c", "a"]
    assert await names(False, False, StreamKey("a")) == ["b", "c"]
    assert await names(True, False, StreamKey("c", 50)) == ["b"]
    assert await names(True, True, StreamKey("c", 50)) == ["a"]
    assert [s.name for s in await store.list_streams("g", "b", False, False, None, 10)] == ["b"]


async def test_delete_stream_and_group(store: LogStore) -> None:
    await group_with(store, "s", "t")
    await store.append("g", "s", ev((1, "abc")), 1)
    await store.append("g", "t", ev((1, "de")), 1)
    assert await store.delete_stream("g", "s")
    assert not await store.delete_stream("g", "s")
    group = await store.get_group("g")
    assert group is not None
    assert group.stored_bytes == 2
    assert await store.scan("g", None, None, None, None, None, 10) != []
    assert await store.delete_group("g")
    assert not await store.delete_group("g")
    await group_with(store)  # a new group of the same name starts empty
    assert await store.get_stream("g", "t") is None
    assert await store.scan("g", None, None, None, None, None, 10) == []


async def test_sweep_deletes_what_retention_expired(store: LogStore) -> None:
    await group_with(store, "s", name="short")
    await group_with(store, "s", name="forever")
    await store.set_retention("short", 1)
    now = 10 * DAY_MS
    for g in ("short", "forever"):
        await store.append(g, "s", ev((now - DAY_MS - 1, "old"), (now - DAY_MS, "edge")), 1)
    assert await store.sweep(now) == 1
    left = await store.read_stream("short", "s", None, None, None, None, 10, True)
    assert [e.message for e in left] == ["edge"]
    assert len(await store.read_stream("forever", "s", None, None, None, None, 10, True)) == 2
    group = await store.get_group("short")
    assert group is not None
    assert group.stored_bytes == 4


async def test_sequence_numbers_are_never_reused(opened: tuple[LogStore, Reopen]) -> None:
    store, reopen = opened
    await group_with(store, "s")
    await store.append("g", "s", ev((1, "a")), 1)
    (first,) = await store.read_stream("g", "s", None, None, None, None, 10, True)
    await store.delete_stream("g", "s")
    store = reopen()
    await store.create_stream(LogStream("g", "s", 1))
    await store.append("g", "s", ev((1, "b")), 1)
    (second,) = await store.read_stream("g", "s", None, None, None, None, 10, True)
    assert second.seq > first.seq
    assert second.position > Position(1, first.seq)


async def test_reopen_keeps_everything(opened: tuple[LogStore, Reopen]) -> None:
    store, reopen = opened
    await group_with(store, "s")
    await store.set_retention("g", 3)
    await store.append("g", "s", ev((1, "kept")), 1)
    store = reopen()
    group = await store.get_group("g")
    assert group is not None
    assert group.retention_days == 3
    (event,) = await store.read_stream("g", "s", None, None, None, None, 10, True)
    assert event.message == "kept"


async def test_closed_store_refuses(store: LogStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(RuntimeError):
        await store.get_group("g")
