"""`FunctionService.spec` and its caches (`nubis.control.specs`), on in-memory stores and
the FakeEngine: a warm lookup does not await the store, every change control makes is
seen by the next lookup, and a lookup that read before a change cannot cache what it
read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from nubis.model.errors import ResourceNotFoundException
from nubis.model.requests import (
    CreateAliasRequest,
    UpdateAliasRequest,
    UpdateConfigurationRequest,
)
from tests.unit.control.helpers import World


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.close()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_warm_latest_lookup_does_not_read_the_store(world: World) -> None:
    async def go() -> None:
        await world.create()
        first = await world.functions.spec("f")
        reads = world.store.gets
        for _ in range(5):
            assert await world.functions.spec("f") == first
        assert world.store.gets == reads

    run(go())


def test_an_update_is_seen_by_the_next_lookup(world: World) -> None:
    async def go() -> None:
        await world.create()
        _, before = await world.functions.spec("f")
        new = await world.functions.update_configuration(
            UpdateConfigurationRequest("f", timeout=30, environment={"A": "1"})
        )
        config, after = await world.functions.spec("f")
        assert config.revision_id == new.revision_id != before.key
        assert (after.timeout_s, dict(after.environment)) == (30, {"A": "1"})

    run(go())


def test_a_lookup_that_read_before_an_update_does_not_cache_it(world: World) -> None:
    async def go() -> None:
        await world.create()
        release = asyncio.Event()
        world.store.hold = release
        slow = asyncio.create_task(world.functions.spec("f"))
        await world.store.holding.wait()  # it has read the old $LATEST and waits
        new = await world.functions.update_configuration(
            UpdateConfigurationRequest("f", timeout=30)
        )
        release.set()
        old, _ = await slow
        assert old.revision_id != new.revision_id  # it did run on what it read
        config, spec = await world.functions.spec("f")
        assert config.revision_id == new.revision_id  # but it did not cache it
        assert spec.timeout_s == 30

    run(go())


def test_versions_and_aliases_are_cached_until_changed(world: World) -> None:
    async def go() -> None:
        f = world.functions
        await world.create()
        await f.publish(await f.latest("f"))
        await f.update_configuration(UpdateConfigurationRequest("f", timeout=30))
        await f.publish(await f.latest("f"))
        await world.aliases.create(CreateAliasRequest("f", "live", "1"))
        assert (await f.spec("f", "live"))[0].version == "1"
        reads = world.version_store.reads
        for _ in range(3):
            await f.spec("f", "live")
            await f.spec("f:1")
        assert world.version_store.reads == reads  # warm: no store reads
        await world.aliases.update(UpdateAliasRequest("f", "live", function_version="2"))
        config, spec = await f.spec("f", "live")
        assert (config.version, spec.timeout_s) == ("2", 30)
        await f.delete("f", "1")
        with pytest.raises(ResourceNotFoundException):
            await f.spec("f", "1")
        await world.aliases.delete("f", "live")
        with pytest.raises(ResourceNotFoundException):
            await f.spec("f", "live")

    run(go())


def test_a_reserved_concurrency_change_reaches_every_spec(world: World) -> None:
    async def go() -> None:
        f = world.functions
        await world.create()
        await f.publish(await f.latest("f"))
        assert (await f.spec("f"))[1].reserved_concurrency is None
        assert (await f.spec("f", "1"))[1].reserved_concurrency is None
        await world.concurrency.put_reserved("f", 7)
        assert (await f.spec("f"))[1].reserved_concurrency == 7
        assert (await f.spec("f", "1"))[1].reserved_concurrency == 7

    run(go())


def test_a_deleted_function_is_not_served_from_the_cache(world: World) -> None:
    async def go() -> None:
        f = world.functions
        await world.create()
        await f.spec("f")
        await f.delete("f", None)
        with pytest.raises(ResourceNotFoundException):
            await f.spec("f")
        await world.create()  # the same name again: a new revision, found anew
        assert (await f.spec("f"))[0].revision_id == (await f.latest("f")).revision_id

    run(go())
