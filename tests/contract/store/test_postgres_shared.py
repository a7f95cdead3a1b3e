"""What a store shared by several nodes adds to the contracts (PostgreSQL only).

Two store objects on one database stand for two nodes: each has its own pool of
connections (distinct DSNs that name the same schema), so their statements really run at
once in separate transactions.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from nubis.model.clock import FakeClock
from nubis.store.base import QueuedEvent
from nubis.store.postgres import (
    PostgresBlobStore,
    PostgresEventStore,
    PostgresFunctionStore,
    PostgresQueueStore,
    PostgresVersionStore,
    migrations,
)
from tests.contract.store.conftest import schema
from tests.contract.store.samples import config, package, revised
from tests.contract.store.test_queue_store import DEDUP_S, KEEP, msg, record

LEASE_S = 60.0


@pytest.fixture
def shared(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    """Two DSNs (two nodes' pools) on one fresh schema."""
    with schema(postgres_dsn) as dsn:
        yield dsn, dsn + " application_name=node-b"


def event(event_id: str, at: float) -> QueuedEvent:
    return QueuedEvent(event_id, "fn", None, b"{}", at)


async def test_an_expired_lease_is_taken_by_another_node(shared: tuple[str, str]) -> None:
    a = PostgresEventStore(shared[0], owner="node-a")
    b = PostgresEventStore(shared[1], owner="node-b")
    try:
        clock = FakeClock()
        for name in "xy":
            await a.enqueue(event(name, clock.time()))
        assert [e.id for e in await a.lease_due(clock.time(), LEASE_S, 1)] == ["x"]
        assert [e.id for e in await b.lease_due(clock.time(), LEASE_S, 10)] == ["y"]
        assert await a.next_due() == clock.time() + LEASE_S  # b's lease of y runs out
        assert await b.next_due() == clock.time() + LEASE_S  # a's of x
        clock.advance(LEASE_S - 1)
        assert await b.lease_due(clock.time(), LEASE_S, 10) == []  # a still holds x
        clock.advance(1)  # a's lease (and b's of y) ran out: a died, say
        taken = await b.lease_due(clock.time(), LEASE_S, 10)
        assert [(e.id, e.attempts) for e in taken] == [("x", 2), ("y", 2)]
        assert await a.release_all() == 0  # a's restart: it holds nothing any more
        stale = replace(taken[0], retries=5, due_at=clock.time() + 999)
        await a.reschedule(stale)  # a late word from a's old worker changes nothing
        assert await b.lease_due(clock.time(), LEASE_S, 10) == []
        assert await b.release_all() == 2
        again = await a.lease_due(clock.time(), LEASE_S, 10)
        assert [(e.id, e.retries, e.attempts) for e in again] == [("x", 0, 3), ("y", 0, 3)]
    finally:
        a.close()
        b.close()


async def test_nodes_leasing_at_once_take_different_events(shared: tuple[str, str]) -> None:
    stores = [PostgresEventStore(dsn, owner=f"node-{i}") for i, dsn in enumerate(shared)]
    try:
        now = FakeClock().time()
        for i in range(200):
            await stores[0].enqueue(event(f"e{i:03d}", now))
        batches = await asyncio.gather(
            *(s.lease_due(now, LEASE_S, 7) for s in stores for _ in range(10))
        )
        leased = [e.id for batch in batches for e in batch]
        assert len(leased) == len(set(leased)) == 140  # no event handed out twice
    finally:
        for s in stores:
            s.close()


async def test_of_two_nodes_racing_a_cas_exactly_one_wins(shared: tuple[str, str]) -> None:
    a, b = PostgresFunctionStore(shared[0]), PostgresFunctionStore(shared[1])
    try:
        for round_ in range(20):
            name = f"f{round_}"
            await a.create(config(name, revision="r0"))
            wins = await asyncio.gather(
                *(
                    store.replace(revised(config(name), f"r-{i}"), "r0")
                    for i, store in enumerate([a, b, a, b])
                )
            )
            assert sorted(wins) == [False, False, False, True]
            winner = f"r-{wins.index(True)}"
            assert (await b.get(name)).revision_id == winner  # type: ignore[union-attr]
    finally:
        a.close()
        b.close()


async def test_nodes_publishing_at_once_get_distinct_consecutive_versions(
    shared: tuple[str, str],
) -> None:
    a, b = PostgresVersionStore(shared[0]), PostgresVersionStore(shared[1])
    try:
        published = await asyncio.gather(*(s.publish(config()) for s in [a, b] * 8))
        assert sorted(int(p.version or 0) for p in published) == list(range(1, 17))
    finally:
        a.close()
        b.close()


async def test_nodes_sending_one_dedup_id_at_once_store_one_message(
    shared: tuple[str, str],
) -> None:
    a, b = PostgresQueueStore(shared[0]), PostgresQueueStore(shared[1])
    try:
        await a.create_queue(record("q.fifo"))
        now = FakeClock().time()
        sent = await asyncio.gather(
            *(
                s.send("q.fifo", [msg(f"m{i}", group="g", dedup="same")], now, DEDUP_S)
                for i, s in enumerate([a, b] * 4)
            )
        )
        assert sorted(r[0].duplicate for r in sent) == [False] + [True] * 7
        assert len({r[0].message_id for r in sent}) == 1  # all name the stored one
        assert (await a.counts("q.fifo", now)).visible == 1
    finally:
        a.close()
        b.close()


async def test_nodes_receiving_at_once_never_share_a_message_or_a_fifo_group(
    shared: tuple[str, str],
) -> None:
    a, b = PostgresQueueStore(shared[0]), PostgresQueueStore(shared[1])
    try:
        now = FakeClock().time()
        for name, group in (("q", None), ("q.fifo", "g")):
            await a.create_queue(record(name))
            await a.send(name, [msg(f"{name}-{i}", group=group) for i in range(50)], now, 0)
        for name, fifo in (("q", False), ("q.fifo", True)):
            got = await asyncio.gather(
                *(
                    s.receive(name, now, 10, 30.0, fifo=fifo, redrive=None, retention_s=KEEP)
                    for s in [a, b] * 4
                )
            )
            ids = [m.message_id for batch in got for m in batch]
            assert len(ids) == len(set(ids))
            if fifo:  # one batch of the one group in flight, the others found it blocked
                assert sorted(len(batch) for batch in got) == [0] * 7 + [10]
            else:  # a receiver skips rows another holds: what is not taken stays visible
                counts = await a.counts(name, now)
                assert (counts.in_flight, counts.visible) == (len(ids), 50 - len(ids))
    finally:
        a.close()
        b.close()


def test_concurrent_migrations_apply_each_version_once(postgres_dsn: str) -> None:
    with schema(postgres_dsn) as dsn:
        starts = [f"{dsn} application_name=node-{i}" for i in range(6)]
        with concurrent.futures.ThreadPoolExecutor(len(starts)) as pool:
            results = list(pool.map(migrations.migrate, starts))
        latest = [v for v, _name, _sql in migrations.MIGRATIONS]
        assert sorted(results) == [[]] * (len(starts) - 1) + [latest]
        assert migrations.applied_versions(dsn) == latest
        assert migrations.migrate(dsn) == []  # a later start: nothing to do
        with psycopg.connect(dsn) as conn:
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            }
        assert {"functions", "events", "messages", "blob_chunks", "nubis_migrations"} <= tables


def test_a_node_older_than_the_schema_refuses_it(postgres_dsn: str) -> None:
    with schema(postgres_dsn) as dsn:
        migrations.migrate(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO nubis_migrations (version, name) VALUES (999, 'later')")
        with pytest.raises(RuntimeError, match="version 999"):
            migrations.migrate(dsn)


async def test_a_package_put_by_one_node_is_streamed_to_another(
    shared: tuple[str, str], tmp_path: Path
) -> None:
    data = package({"a.py": b"A" * 3_000_000, "b/c.py": b"C"})  # several chunks
    a = PostgresBlobStore(shared[0], tmp_path / "node-a")
    b = PostgresBlobStore(shared[1], tmp_path / "node-b")
    try:
        digest = await a.put(data)
        assert not b.path(digest).exists()
        unpacked = await b.unpacked(digest)
        assert b.path(digest).read_bytes() == data
        assert (unpacked / "a.py").read_bytes() == b"A" * 3_000_000
        assert await b.put(data) == digest  # already stored: nothing written again
        with pytest.raises(FileNotFoundError):
            await b.unpacked(hashlib.sha256(b"never put").hexdigest())
        assert not list((tmp_path / "node-b" / "sha256").glob(".tmp-*"))
    finally:
        a.close()
        b.close()


# Run in a process of its own, so that its peak resident size is the package's doing.
_BIG = """
import asyncio, os, resource, sys, zipfile
from pathlib import Path
from nubis.store.postgres import PostgresBlobStore

dsn, work = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(work / "big.zip", "w", zipfile.ZIP_STORED) as zf:
    for i in range(60):
        zf.writestr(f"f{i:02d}.bin", os.urandom(1 << 20))

def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

async def main() -> None:
    before = peak()
    data = (work / "big.zip").read_bytes()
    a = PostgresBlobStore(dsn, work / "node-a")
    digest = await a.put(data)
    a.close()
    del data
    b = PostgresBlobStore(dsn, work / "node-b")
    unpacked = await b.unpacked(digest)
    b.close()
    assert (unpacked / "f59.bin").stat().st_size == 1 << 20
    print(os.path.getsize(work / "big.zip"), peak() - before)

asyncio.run(main())
"""


def test_a_60_mb_package_is_stored_and_streamed_without_a_second_copy(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """The caller's bytes are the one copy: `put` sends 1 MiB views of them, the other
    node writes its cache file from a server-side cursor a few chunks at a time. Holding
    the package twice would add at least its size again to the peak."""
    with schema(postgres_dsn) as dsn:
        done = subprocess.run(
            [sys.executable, "-c", _BIG, dsn, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        size, grown = map(int, done.stdout.split())
        assert size > 60 << 20
        assert grown < size + (size // 2), (size, grown)
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT count(*), sum(length(data)) FROM blob_chunks").fetchone()
        assert row == (61, size)
