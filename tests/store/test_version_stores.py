"""The contracts of VersionStore, ConcurrencyStore and LayerStore, checked against the
SQLite implementations and the in-memory fakes alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nubis.model.function import FunctionConfig, LayerRef
from nubis.model.versions import Alias, LayerVersion, ProvisionedConfig
from nubis.store.memory import MemoryConcurrencyStore, MemoryLayerStore, MemoryVersionStore
from nubis.store.sqlite_concurrency import SqliteConcurrencyStore
from nubis.store.sqlite_layers import SqliteLayerStore
from nubis.store.sqlite_versions import SqliteVersionStore


def config(name: str = "f", sha: str = "ab" * 32) -> FunctionConfig:
    return FunctionConfig(
        name=name,
        runtime="python3.11",
        handler="h.h",
        role="r",
        code_sha256=sha,
        code_size=1,
        memory_size=128,
        timeout=3,
        ephemeral_storage=512,
        environment={"A": "1"},
        description="",
        architectures=("x86_64",),
        last_modified="2024-01-01T00:00:00.000+0000",
        revision_id="rev",
        layers=(LayerRef("arn:l:1", "cd" * 32, 10, 20),),
    )


def stores(memory: Callable[[], Any], sqlite: Callable[[Path], Any]) -> Any:
    @pytest.fixture(params=["memory", "sqlite"])
    def fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
        store = memory() if request.param == "memory" else sqlite(tmp_path / "nubis.db")
        yield store
        store.close()
        store.close()  # idempotent

    return fixture


versions = stores(MemoryVersionStore, SqliteVersionStore)
concurrency = stores(MemoryConcurrencyStore, SqliteConcurrencyStore)
layers = stores(MemoryLayerStore, SqliteLayerStore)


def test_versions_are_numbered_and_never_reused(versions: Any) -> None:
    assert versions.latest_version("f") is None
    v1 = versions.publish(config())
    v2 = versions.publish(config(sha="ef" * 32))
    assert (v1.version, v2.version) == ("1", "2")
    assert versions.get_version("f", "1") == v1  # round trip, layers included
    assert versions.get_version("f", "x") is None
    assert versions.latest_version("f") == v2
    assert [v.version for v in versions.list_versions("f", 0, 10)] == ["1", "2"]
    assert [v.version for v in versions.list_versions("f", 1, 10)] == ["2"]
    assert versions.delete_version("f", "2")
    assert not versions.delete_version("f", "2")
    assert versions.publish(config()).version == "3"
    versions.drop_function("f")
    versions.drop_function("f")
    assert versions.list_versions("f", 0, 10) == []
    assert versions.publish(config()).version == "1"  # a new function starts again


def test_alias_compare_and_swap(versions: Any) -> None:
    alias = Alias("f", "live", "1", "", "r1", {"2": 0.25})
    assert versions.create_alias(alias)
    assert not versions.create_alias(alias)
    assert versions.get_alias("f", "live") == alias
    moved = Alias("f", "live", "2", "d", "r2")
    assert not versions.replace_alias(moved, "stale")
    assert versions.replace_alias(moved, "r1")
    assert versions.get_alias("f", "live") == moved
    versions.create_alias(Alias("f", "dev", "$LATEST", "", "r3"))
    assert [a.name for a in versions.list_aliases("f")] == ["dev", "live"]
    assert versions.delete_alias("f", "dev")
    assert not versions.delete_alias("f", "dev")


def test_concurrency_records(concurrency: Any) -> None:
    assert concurrency.reserved("f") is None
    concurrency.set_reserved("f", 5)
    concurrency.set_reserved("g", 0)
    assert concurrency.all_reserved() == {"f": 5, "g": 0}
    concurrency.set_reserved("f", None)
    assert concurrency.reserved("f") is None
    a = ProvisionedConfig("f", "live", 2, "t")
    concurrency.put_provisioned(a)
    concurrency.put_provisioned(ProvisionedConfig("f", "1", 1, "t"))
    concurrency.put_provisioned(ProvisionedConfig("g", "1", 1, "t"))
    assert concurrency.provisioned("f", "live") == a
    assert [c.qualifier for c in concurrency.list_provisioned("f")] == ["1", "live"]
    assert len(concurrency.list_provisioned()) == 3
    assert concurrency.delete_provisioned("f", "1")
    assert not concurrency.delete_provisioned("f", "1")
    concurrency.drop_function("g")
    assert concurrency.list_provisioned("g") == []
    assert concurrency.reserved("g") is None


def test_layer_numbers_survive_deletion(layers: Any) -> None:
    def layer(name: str) -> LayerVersion:
        return LayerVersion(name, 0, "", "ab" * 32, 1, 2, "t", ("python3.11",))

    assert layers.publish(layer("a")).version == 1
    assert layers.publish(layer("a")).version == 2
    assert layers.publish(layer("b")).version == 1
    assert [v.version for v in layers.versions("a")] == [2, 1]
    assert layers.get("a", 1) == replace(layer("a"), version=1)
    assert layers.names() == ["a", "b"]
    assert layers.delete("a", 1)
    assert layers.delete("a", 2)
    assert layers.names() == ["b"]
    assert layers.publish(layer("a")).version == 3


def test_sqlite_versions_are_durable(tmp_path: Path) -> None:
    store = SqliteVersionStore(tmp_path / "nubis.db")
    store.publish(config())
    store.close()
    again = SqliteVersionStore(tmp_path / "nubis.db")
    assert again.publish(config()).version == "2"
    again.close()
