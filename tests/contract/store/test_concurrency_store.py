"""`ConcurrencyStore`: reserved concurrency and provisioned-concurrency records."""

from __future__ import annotations

from typing import Any

from nubis.model.versions import ProvisionedConfig
from tests.contract.store.conftest import Opened


async def test_concurrency_records(concurrency: Any) -> None:
    assert await concurrency.reserved("f") is None
    await concurrency.set_reserved("f", 5)
    await concurrency.set_reserved("g", 0)
    assert await concurrency.all_reserved() == {"f": 5, "g": 0}
    await concurrency.set_reserved("f", None)
    assert await concurrency.reserved("f") is None
    a = ProvisionedConfig("f", "live", 2, "t")
    await concurrency.put_provisioned(a)
    await concurrency.put_provisioned(ProvisionedConfig("f", "1", 1, "t"))
    await concurrency.put_provisioned(ProvisionedConfig("g", "1", 1, "t"))
    assert await concurrency.provisioned("f", "live") == a
    assert [c.qualifier for c in await concurrency.list_provisioned("f")] == ["1", "live"]
    assert len(await concurrency.list_provisioned()) == 3
    assert await concurrency.delete_provisioned("f", "1")
    assert not await concurrency.delete_provisioned("f", "1")
    await concurrency.drop_function("g")
    assert await concurrency.list_provisioned("g") == []
    assert await concurrency.reserved("g") is None


async def test_set_reserved_replaces_and_none_is_idempotent(concurrency: Any) -> None:
    await concurrency.set_reserved("f", 5)
    await concurrency.set_reserved("f", 7)
    assert await concurrency.reserved("f") == 7
    await concurrency.set_reserved("f", None)
    await concurrency.set_reserved("f", None)
    assert await concurrency.all_reserved() == {}


async def test_put_provisioned_replaces(concurrency: Any) -> None:
    await concurrency.put_provisioned(ProvisionedConfig("f", "1", 1, "t1"))
    await concurrency.put_provisioned(ProvisionedConfig("f", "1", 4, "t2"))
    assert await concurrency.list_provisioned("f") == [ProvisionedConfig("f", "1", 4, "t2")]
    assert await concurrency.provisioned("f", "2") is None


async def test_list_provisioned_of_every_function_orders_by_function_then_qualifier(
    concurrency: Any,
) -> None:
    for name, qualifier in [("g", "1"), ("f", "live"), ("f", "1"), ("a", "x")]:
        await concurrency.put_provisioned(ProvisionedConfig(name, qualifier, 1, "t"))
    listed = [(c.function_name, c.qualifier) for c in await concurrency.list_provisioned()]
    assert listed == [("a", "x"), ("f", "1"), ("f", "live"), ("g", "1")]


async def test_drop_function_leaves_other_functions(concurrency: Any) -> None:
    await concurrency.set_reserved("f", 1)
    await concurrency.set_reserved("g", 2)
    await concurrency.put_provisioned(ProvisionedConfig("f", "1", 1, "t"))
    await concurrency.put_provisioned(ProvisionedConfig("g", "1", 1, "t"))
    await concurrency.drop_function("f")
    await concurrency.drop_function("f")
    assert await concurrency.all_reserved() == {"g": 2}
    assert [c.function_name for c in await concurrency.list_provisioned()] == ["g"]


async def test_concurrency_survives_reopen(durable: Opened) -> None:
    first = durable("concurrency")
    await first.set_reserved("f", 3)
    await first.put_provisioned(ProvisionedConfig("f", "1", 2, "t"))
    first.close()
    again = durable("concurrency")
    assert await again.reserved("f") == 3
    assert await again.provisioned("f", "1") == ProvisionedConfig("f", "1", 2, "t")
