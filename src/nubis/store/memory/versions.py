"""In-memory `VersionStore`, `ConcurrencyStore` and `LayerStore`: fakes for tests of the
code above the store."""

from __future__ import annotations

from dataclasses import replace

from nubis.model.function import FunctionConfig
from nubis.model.versions import Alias, LayerVersion, ProvisionedConfig
from nubis.store.memory._closing import Closing


class MemoryVersionStore(Closing):
    def __init__(self) -> None:
        self._versions: dict[str, dict[int, FunctionConfig]] = {}
        self._last: dict[str, int] = {}
        self._aliases: dict[str, dict[str, Alias]] = {}

    async def publish(self, config: FunctionConfig) -> FunctionConfig:
        self._open()
        number = self._last.get(config.name, 0) + 1
        self._last[config.name] = number
        published = replace(config, version=str(number))
        self._versions.setdefault(config.name, {})[number] = published
        return published

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        self._open()
        if not _is_number(version):
            return None
        return self._versions.get(name, {}).get(int(version))

    async def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        self._open()
        rows = self._versions.get(name, {})
        return [rows[n] for n in sorted(rows) if n > after][:limit]

    async def latest_version(self, name: str) -> FunctionConfig | None:
        self._open()
        rows = self._versions.get(name, {})
        return rows[max(rows)] if rows else None

    async def delete_version(self, name: str, version: str) -> bool:
        self._open()
        if not _is_number(version):
            return False
        return self._versions.get(name, {}).pop(int(version), None) is not None

    async def get_alias(self, name: str, alias: str) -> Alias | None:
        self._open()
        return self._aliases.get(name, {}).get(alias)

    async def list_aliases(self, name: str) -> list[Alias]:
        self._open()
        rows = self._aliases.get(name, {})
        return [rows[a] for a in sorted(rows)]

    async def create_alias(self, alias: Alias) -> bool:
        self._open()
        rows = self._aliases.setdefault(alias.function_name, {})
        if alias.name in rows:
            return False
        rows[alias.name] = alias
        return True

    async def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        self._open()
        current = self._aliases.get(alias.function_name, {}).get(alias.name)
        if current is None or current.revision_id != expected_revision:
            return False
        self._aliases[alias.function_name][alias.name] = alias
        return True

    async def delete_alias(self, name: str, alias: str) -> bool:
        self._open()
        return self._aliases.get(name, {}).pop(alias, None) is not None

    async def drop_function(self, name: str) -> None:
        self._open()
        self._versions.pop(name, None)
        self._last.pop(name, None)
        self._aliases.pop(name, None)


class MemoryConcurrencyStore(Closing):
    def __init__(self) -> None:
        self._reserved: dict[str, int] = {}
        self._provisioned: dict[tuple[str, str], ProvisionedConfig] = {}

    async def reserved(self, name: str) -> int | None:
        self._open()
        return self._reserved.get(name)

    async def all_reserved(self) -> dict[str, int]:
        self._open()
        return dict(self._reserved)

    async def set_reserved(self, name: str, value: int | None) -> None:
        self._open()
        if value is None:
            self._reserved.pop(name, None)
        else:
            self._reserved[name] = value

    async def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None:
        self._open()
        return self._provisioned.get((name, qualifier))

    async def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        self._open()
        keys = sorted(k for k in self._provisioned if name is None or k[0] == name)
        return [self._provisioned[k] for k in keys]

    async def put_provisioned(self, config: ProvisionedConfig) -> None:
        self._open()
        self._provisioned[(config.function_name, config.qualifier)] = config

    async def delete_provisioned(self, name: str, qualifier: str) -> bool:
        self._open()
        return self._provisioned.pop((name, qualifier), None) is not None

    async def drop_function(self, name: str) -> None:
        self._open()
        self._reserved.pop(name, None)
        for key in [k for k in self._provisioned if k[0] == name]:
            del self._provisioned[key]


class MemoryLayerStore(Closing):
    def __init__(self) -> None:
        self._rows: dict[str, dict[int, LayerVersion]] = {}
        self._last: dict[str, int] = {}

    async def publish(self, layer: LayerVersion) -> LayerVersion:
        self._open()
        number = self._last.get(layer.name, 0) + 1
        self._last[layer.name] = number
        published = replace(layer, version=number)
        self._rows.setdefault(layer.name, {})[number] = published
        return published

    async def get(self, name: str, version: int) -> LayerVersion | None:
        self._open()
        return self._rows.get(name, {}).get(version)

    async def versions(self, name: str) -> list[LayerVersion]:
        self._open()
        rows = self._rows.get(name, {})
        return [rows[n] for n in sorted(rows, reverse=True)]

    async def names(self) -> list[str]:
        self._open()
        return sorted(n for n, rows in self._rows.items() if rows)

    async def delete(self, name: str, version: int) -> bool:
        self._open()
        return self._rows.get(name, {}).pop(version, None) is not None


def _is_number(version: str) -> bool:
    """ASCII digits only (`isdigit` alone also takes superscripts, which `int` refuses)."""
    return version.isascii() and version.isdigit()
