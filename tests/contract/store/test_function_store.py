"""`FunctionStore`: create conflicts, compare-and-swap replace, paging by name."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.contract.store.conftest import Opened
from tests.contract.store.samples import config, revised


async def test_create_get_and_conflict(functions: Any) -> None:
    assert await functions.get("f") is None
    assert await functions.create(config())
    assert await functions.get("f") == config()  # round trip, layers included
    assert not await functions.create(config(sha="ef" * 32))  # the name is taken
    assert (await functions.get("f")).code_sha256 == "ab" * 32  # the loser wrote nothing


async def test_replace_is_a_compare_and_swap_on_the_revision(functions: Any) -> None:
    await functions.create(config(revision="r1"))
    r2 = revised(config(), "r2", timeout=10)
    assert not await functions.replace(r2, "stale")
    assert (await functions.get("f")).revision_id == "r1"
    assert await functions.replace(r2, "r1")
    assert await functions.get("f") == r2
    # Two updates that both read r1: only the first wins.
    assert not await functions.replace(revised(config(), "r3"), "r1")
    assert (await functions.get("f")).timeout == 10


async def test_concurrent_creates_and_replaces_have_one_winner(functions: Any) -> None:
    # Awaited together from one loop, as the Protocol allows: still one winner each.
    made = await asyncio.gather(*(functions.create(config(sha=f"{i:02x}" * 32)) for i in range(8)))
    assert sorted(made) == [False] * 7 + [True]
    winner = (await functions.get("f")).code_sha256
    assert winner == f"{made.index(True):02x}" * 32
    swapped = await asyncio.gather(
        *(functions.replace(revised(config(), f"r{i}"), "rev") for i in range(8))
    )
    assert sorted(swapped) == [False] * 7 + [True]
    assert (await functions.get("f")).revision_id == f"r{swapped.index(True)}"


async def test_replace_of_a_missing_function_fails(functions: Any) -> None:
    assert not await functions.replace(config(), "rev")
    assert await functions.get("f") is None


async def test_delete(functions: Any) -> None:
    await functions.create(config())
    assert await functions.delete("f")
    assert not await functions.delete("f")
    assert await functions.get("f") is None
    assert await functions.create(config())  # the name is free again


async def test_list_pages_by_name(functions: Any) -> None:
    for name in ["c", "a", "e", "b", "d"]:
        await functions.create(config(name))

    async def names(after: str | None, limit: int) -> list[str]:
        return [c.name for c in await functions.list(after, limit)]

    assert await names(None, 10) == ["a", "b", "c", "d", "e"]
    assert await names(None, 2) == ["a", "b"]
    assert await names("b", 2) == ["c", "d"]
    assert await names("d", 2) == ["e"]
    assert await names("e", 2) == []
    assert await names("bb", 1) == ["c"]  # `after` need not be a stored name
    assert await names(None, 0) == []


async def test_acknowledged_writes_survive_reopen(durable: Opened) -> None:
    first = durable("functions")
    await first.create(config("a"))
    await first.create(config("b"))
    await first.replace(revised(config("a"), "r2"), "rev")
    await first.delete("b")
    first.close()
    again = durable("functions")
    assert [c.revision_id for c in await again.list(None, 10)] == ["r2"]
