"""`LayerStore`: version numbers per layer name, never reused, newest first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nubis.model.versions import LayerVersion
from tests.contract.store.conftest import Opened


def layer(name: str) -> LayerVersion:
    return LayerVersion(name, 0, "", "ab" * 32, 1, 2, "t", ("python3.11",))


async def test_layer_numbers_survive_deletion(layers: Any) -> None:
    assert (await layers.publish(layer("a"))).version == 1
    assert (await layers.publish(layer("a"))).version == 2
    assert (await layers.publish(layer("b"))).version == 1
    assert [v.version for v in await layers.versions("a")] == [2, 1]
    assert await layers.get("a", 1) == replace(layer("a"), version=1)
    assert await layers.names() == ["a", "b"]
    assert await layers.delete("a", 1)
    assert await layers.delete("a", 2)
    assert await layers.names() == ["b"]
    assert (await layers.publish(layer("a"))).version == 3


async def test_missing_layers(layers: Any) -> None:
    assert await layers.get("a", 1) is None
    assert await layers.versions("a") == []
    assert await layers.names() == []
    assert not await layers.delete("a", 1)
    await layers.publish(layer("a"))
    assert not await layers.delete("a", 2)
    assert await layers.get("a", 2) is None


async def test_layer_numbers_survive_reopen(durable: Opened) -> None:
    first = durable("layers")
    await first.publish(layer("a"))
    await first.delete("a", 1)
    first.close()
    again = durable("layers")
    assert await again.names() == []
    assert (await again.publish(layer("a"))).version == 2
