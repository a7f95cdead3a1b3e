"""`VersionStore`: version numbers never handed out twice, paging, alias compare-and-swap."""

from __future__ import annotations

import asyncio
from typing import Any

from nubis.model.versions import Alias
from tests.contract.store.conftest import Opened
from tests.contract.store.samples import config


async def test_versions_are_numbered_and_never_reused(versions: Any) -> None:
    assert await versions.latest_version("f") is None
    v1 = await versions.publish(config())
    v2 = await versions.publish(config(sha="ef" * 32))
    assert (v1.version, v2.version) == ("1", "2")
    assert await versions.get_version("f", "1") == v1  # round trip, layers included
    assert await versions.get_version("f", "x") is None
    assert await versions.latest_version("f") == v2
    assert [v.version for v in await versions.list_versions("f", 0, 10)] == ["1", "2"]
    assert [v.version for v in await versions.list_versions("f", 1, 10)] == ["2"]
    assert await versions.delete_version("f", "2")
    assert not await versions.delete_version("f", "2")
    assert (await versions.publish(config())).version == "3"
    await versions.drop_function("f")
    await versions.drop_function("f")
    assert await versions.list_versions("f", 0, 10) == []
    assert (await versions.publish(config())).version == "1"  # a new function starts again


async def test_concurrent_publishes_get_distinct_numbers(versions: Any) -> None:
    published = await asyncio.gather(*(versions.publish(config()) for _ in range(10)))
    assert sorted(int(v.version) for v in published) == list(range(1, 11))
    assert (await versions.latest_version("f")).version == "10"


async def test_numbers_are_per_function(versions: Any) -> None:
    assert (await versions.publish(config("f"))).version == "1"
    assert (await versions.publish(config("g"))).version == "1"
    assert (await versions.publish(config("f"))).version == "2"
    await versions.drop_function("g")
    assert (await versions.latest_version("f")).version == "2"


async def test_latest_after_deleting_the_newest(versions: Any) -> None:
    for _ in range(3):
        await versions.publish(config())
    await versions.delete_version("f", "3")
    assert (await versions.latest_version("f")).version == "2"
    assert (await versions.publish(config())).version == "4"


async def test_list_versions_pages_in_ascending_order(versions: Any) -> None:
    for _ in range(5):
        await versions.publish(config())
    await versions.delete_version("f", "2")

    async def numbers(after: int, limit: int) -> list[str]:
        return [v.version for v in await versions.list_versions("f", after, limit)]

    assert await numbers(0, 2) == ["1", "3"]
    assert await numbers(3, 2) == ["4", "5"]
    assert await numbers(5, 2) == []
    assert await numbers(0, 0) == []
    assert await versions.list_versions("nobody", 0, 10) == []


async def test_qualifiers_that_cannot_name_a_version(versions: Any) -> None:
    await versions.publish(config())
    for qualifier in ["", "$LATEST", "-1", "1.0", "²", "9" * 40]:
        assert await versions.get_version("f", qualifier) is None
        assert not await versions.delete_version("f", qualifier)
    assert await versions.get_version("f", "01") is not None  # the number 1


async def test_alias_compare_and_swap(versions: Any) -> None:
    alias = Alias("f", "live", "1", "", "r1", {"2": 0.25})
    assert await versions.create_alias(alias)
    assert not await versions.create_alias(alias)
    assert await versions.get_alias("f", "live") == alias
    moved = Alias("f", "live", "2", "d", "r2")
    assert not await versions.replace_alias(moved, "stale")
    assert await versions.replace_alias(moved, "r1")
    assert await versions.get_alias("f", "live") == moved
    await versions.create_alias(Alias("f", "dev", "$LATEST", "", "r3"))
    assert [a.name for a in await versions.list_aliases("f")] == ["dev", "live"]
    assert await versions.delete_alias("f", "dev")
    assert not await versions.delete_alias("f", "dev")


async def test_aliases_are_per_function_and_dropped_with_it(versions: Any) -> None:
    await versions.create_alias(Alias("f", "live", "1", "", "r1"))
    assert await versions.create_alias(Alias("g", "live", "1", "", "r1"))  # no conflict
    assert not await versions.replace_alias(Alias("h", "live", "1", "", "r2"), "r1")
    assert await versions.get_alias("h", "live") is None
    await versions.drop_function("f")
    assert await versions.list_aliases("f") == []
    assert await versions.get_alias("g", "live") is not None


async def test_versions_and_aliases_survive_reopen(durable: Opened) -> None:
    first = durable("versions")
    await first.publish(config())
    await first.publish(config())
    await first.delete_version("f", "2")
    await first.create_alias(Alias("f", "live", "1", "", "r1"))
    first.close()
    again = durable("versions")
    assert (await again.publish(config())).version == "3"  # 2 stays used
    assert (await again.get_alias("f", "live")).revision_id == "r1"
