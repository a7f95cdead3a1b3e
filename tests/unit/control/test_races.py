"""Rules that read the store and then write take turns in one process, now that a store
call gives the loop a turn (the stores here yield on their reads, as real ones do)."""

from __future__ import annotations

import asyncio

from nubis.model.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.requests import CreateAliasRequest, UpdateConfigurationRequest
from tests.unit.control.helpers import World, YieldingConcurrency, YieldingVersions


def test_concurrent_publishes_of_unchanged_code_make_one_version() -> None:
    async def go() -> None:
        world = World(versions=YieldingVersions())
        try:
            f = world.functions
            await world.create()
            latest = await f.latest("f")
            published = await asyncio.gather(*(f.publish(latest) for _ in range(5)))
            assert {v.version for v in published} == {"1"}
        finally:
            world.close()

    asyncio.run(go())


def test_concurrent_reservations_cannot_pass_the_account_check_together() -> None:
    async def go() -> None:
        world = World(concurrency=YieldingConcurrency())
        try:
            await world.create("a")
            await world.create("b")
            # 1000 in the account, 100 must stay unreserved: 450 + 450 fits, 500 + 500 not.
            outcomes = await asyncio.gather(
                world.concurrency.put_reserved("a", 500),
                world.concurrency.put_reserved("b", 500),
                return_exceptions=True,
            )
            refused = [o for o in outcomes if isinstance(o, InvalidParameterValueException)]
            assert len(refused) == 1
            assert sum((await world.functions.concurrency.all_reserved()).values()) == 500
        finally:
            world.close()

    asyncio.run(go())


def test_a_version_is_not_deleted_under_an_alias_being_created() -> None:
    async def go() -> None:
        world = World(versions=YieldingVersions())
        try:
            f = world.functions
            await world.create()
            await f.publish(await f.latest("f"))
            await f.update_configuration(UpdateConfigurationRequest("f", timeout=9))
            await f.publish(await f.latest("f"))
            outcomes = await asyncio.gather(
                f.delete("f", "1"),
                world.aliases.create(CreateAliasRequest("f", "live", "1")),
                return_exceptions=True,
            )
            failed = [o for o in outcomes if isinstance(o, Exception)]
            assert len(failed) == 1  # one of them saw the other's write
            assert isinstance(failed[0], ResourceConflictException | ResourceNotFoundException)
            aliases = await world.version_store.list_aliases("f")
            exists = await world.version_store.get_version("f", "1") is not None
            assert all(a.function_version != "1" for a in aliases) or exists
        finally:
            world.close()

    asyncio.run(go())
