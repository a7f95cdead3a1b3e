"""In-memory store implementations: fakes for tests of the code above the store.

`MemoryEventQueue` holds events only as long as the process lives: a fake for tests of
code above the queue (the server uses `nubis.store.sqlite_events`).
"""

from __future__ import annotations

from dataclasses import replace

from nubis.model.function import FunctionConfig
from nubis.model.versions import Alias, LayerVersion, ProvisionedConfig
from nubis.store.base import QueuedEvent


class MemoryFunctionStore:
    def __init__(self) -> None:
        self._rows: dict[str, FunctionConfig] = {}

    def get(self, name: str) -> FunctionConfig | None:
        return self._rows.get(name)

    def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        names = sorted(n for n in self._rows if n > (after or ""))
        return [self._rows[n] for n in names[:limit]]

    def create(self, config: FunctionConfig) -> bool:
        if config.name in self._rows:
            return False
        self._rows[config.name] = config
        return True

    def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        current = self._rows.get(config.name)
        if current is None or current.revision_id != expected_revision:
            return False
        self._rows[config.name] = config
        return True

    def delete(self, name: str) -> bool:
        return self._rows.pop(name, None) is not None

    def close(self) -> None:
        pass


class MemoryEventQueue:
    def __init__(self) -> None:
        self._events: dict[str, QueuedEvent] = {}
        self._leased_until: dict[str, float] = {}

    def put(self, event: QueuedEvent) -> None:
        self._events.setdefault(event.id, event)

    async def enqueue(self, event: QueuedEvent) -> None:
        self.put(event)

    def lease(self, now: float, lease_s: float, limit: int) -> list[QueuedEvent]:
        out: list[QueuedEvent] = []
        for event_id, event in self._events.items():
            if len(out) >= limit:
                break
            if self._leased_until.get(event_id, 0.0) <= now:
                self._leased_until[event_id] = now + lease_s
                leased = QueuedEvent(
                    event.id,
                    event.function_name,
                    event.qualifier,
                    event.payload,
                    event.enqueued_at,
                    event.attempts + 1,
                )
                self._events[event_id] = leased
                out.append(leased)
        return out

    def ack(self, event_id: str) -> None:
        self._events.pop(event_id, None)
        self._leased_until.pop(event_id, None)

    def __len__(self) -> int:
        return len(self._events)

    def close(self) -> None:
        pass


class MemoryVersionStore:
    def __init__(self) -> None:
        self._versions: dict[str, dict[int, FunctionConfig]] = {}
        self._last: dict[str, int] = {}
        self._aliases: dict[str, dict[str, Alias]] = {}

    def publish(self, config: FunctionConfig) -> FunctionConfig:
        number = self._last.get(config.name, 0) + 1
        self._last[config.name] = number
        published = replace(config, version=str(number))
        self._versions.setdefault(config.name, {})[number] = published
        return published

    def get_version(self, name: str, version: str) -> FunctionConfig | None:
        if not version.isdigit():
            return None
        return self._versions.get(name, {}).get(int(version))

    def list_versions(self, name: str, after: int, limit: int) -> list[FunctionConfig]:
        rows = self._versions.get(name, {})
        return [rows[n] for n in sorted(rows) if n > after][:limit]

    def latest_version(self, name: str) -> FunctionConfig | None:
        rows = self._versions.get(name, {})
        return rows[max(rows)] if rows else None

    def delete_version(self, name: str, version: str) -> bool:
        if not version.isdigit():
            return False
        return self._versions.get(name, {}).pop(int(version), None) is not None

    def get_alias(self, name: str, alias: str) -> Alias | None:
        return self._aliases.get(name, {}).get(alias)

    def list_aliases(self, name: str) -> list[Alias]:
        rows = self._aliases.get(name, {})
        return [rows[a] for a in sorted(rows)]

    def create_alias(self, alias: Alias) -> bool:
        rows = self._aliases.setdefault(alias.function_name, {})
        if alias.name in rows:
            return False
        rows[alias.name] = alias
        return True

    def replace_alias(self, alias: Alias, expected_revision: str) -> bool:
        current = self.get_alias(alias.function_name, alias.name)
        if current is None or current.revision_id != expected_revision:
            return False
        self._aliases[alias.function_name][alias.name] = alias
        return True

    def delete_alias(self, name: str, alias: str) -> bool:
        return self._aliases.get(name, {}).pop(alias, None) is not None

    def drop_function(self, name: str) -> None:
        self._versions.pop(name, None)
        self._last.pop(name, None)
        self._aliases.pop(name, None)

    def close(self) -> None:
        pass


class MemoryConcurrencyStore:
    def __init__(self) -> None:
        self._reserved: dict[str, int] = {}
        self._provisioned: dict[tuple[str, str], ProvisionedConfig] = {}

    def reserved(self, name: str) -> int | None:
        return self._reserved.get(name)

    def all_reserved(self) -> dict[str, int]:
        return dict(self._reserved)

    def set_reserved(self, name: str, value: int | None) -> None:
        if value is None:
            self._reserved.pop(name, None)
        else:
            self._reserved[name] = value

    def provisioned(self, name: str, qualifier: str) -> ProvisionedConfig | None:
        return self._provisioned.get((name, qualifier))

    def list_provisioned(self, name: str | None = None) -> list[ProvisionedConfig]:
        keys = sorted(k for k in self._provisioned if name is None or k[0] == name)
        return [self._provisioned[k] for k in keys]

    def put_provisioned(self, config: ProvisionedConfig) -> None:
        self._provisioned[(config.function_name, config.qualifier)] = config

    def delete_provisioned(self, name: str, qualifier: str) -> bool:
        return self._provisioned.pop((name, qualifier), None) is not None

    def drop_function(self, name: str) -> None:
        self._reserved.pop(name, None)
        for key in [k for k in self._provisioned if k[0] == name]:
            del self._provisioned[key]

    def close(self) -> None:
        pass


class MemoryLayerStore:
    def __init__(self) -> None:
        self._rows: dict[str, dict[int, LayerVersion]] = {}
        self._last: dict[str, int] = {}

    def publish(self, layer: LayerVersion) -> LayerVersion:
        number = self._last.get(layer.name, 0) + 1
        self._last[layer.name] = number
        published = replace(layer, version=number)
        self._rows.setdefault(layer.name, {})[number] = published
        return published

    def get(self, name: str, version: int) -> LayerVersion | None:
        return self._rows.get(name, {}).get(version)

    def versions(self, name: str) -> list[LayerVersion]:
        rows = self._rows.get(name, {})
        return [rows[n] for n in sorted(rows, reverse=True)]

    def names(self) -> list[str]:
        return sorted(n for n, rows in self._rows.items() if rows)

    def delete(self, name: str, version: int) -> bool:
        return self._rows.get(name, {}).pop(version, None) is not None

    def close(self) -> None:
        pass
