"""`EventInvokeConfigStore`: per (function, qualifier) async settings, insert or replace."""

from __future__ import annotations

from typing import Any

from nubis.model.async_config import EventInvokeConfig
from tests.contract.store.conftest import Opened


def cfg(
    function: str = "fn", qualifier: str = "$LATEST", retries: int | None = 1
) -> EventInvokeConfig:
    return EventInvokeConfig(function, qualifier, retries, None, "arn:ok", None, 1700000000.5)


async def test_put_get_replace(events: Any) -> None:
    assert await events.get_config("fn", "$LATEST") is None
    await events.put_config(cfg())
    assert await events.get_config("fn", "$LATEST") == cfg()
    await events.put_config(cfg(retries=None))
    assert await events.get_config("fn", "$LATEST") == cfg(retries=None)
    assert await events.get_config("fn", "live") is None


async def test_list_by_qualifier_and_delete(events: Any) -> None:
    for qualifier in ["live", "$LATEST", "2"]:
        await events.put_config(cfg(qualifier=qualifier))
    await events.put_config(cfg("other"))
    listed = await events.list_configs("fn")
    assert [c.qualifier for c in listed] == ["$LATEST", "2", "live"]
    assert await events.delete_config("fn", "2")
    assert not await events.delete_config("fn", "2")
    assert [c.qualifier for c in await events.list_configs("fn")] == ["$LATEST", "live"]
    assert await events.list_configs("nobody") == []


async def test_drop_function_configs_keeps_other_functions(events: Any) -> None:
    await events.put_config(cfg(qualifier="$LATEST"))
    await events.put_config(cfg(qualifier="live"))
    await events.put_config(cfg("other"))
    await events.drop_function_configs("fn")
    await events.drop_function_configs("fn")
    assert await events.list_configs("fn") == []
    assert await events.get_config("other", "$LATEST") == cfg("other")


async def test_configs_survive_reopen(durable: Opened) -> None:
    first = durable("events")
    await first.put_config(cfg())
    first.close()
    assert await durable("events").get_config("fn", "$LATEST") == cfg()
