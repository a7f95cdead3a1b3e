"""Aliases, provisioned-concurrency configurations and layer versions as plain data.

A published version is a `FunctionConfig` whose `version` is a number ("1", "2", ...); it
never changes after it is published. An alias names one version and may send a share of
its traffic to one more (`routing`: version -> weight in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Provisioned concurrency statuses, as Lambda reports them.
PROVISIONED_IN_PROGRESS = "IN_PROGRESS"
PROVISIONED_READY = "READY"
PROVISIONED_FAILED = "FAILED"


@dataclass(frozen=True)
class Alias:
    function_name: str
    name: str
    function_version: str
    description: str
    revision_id: str
    routing: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "function_name": self.function_name,
            "name": self.name,
            "function_version": self.function_version,
            "description": self.description,
            "revision_id": self.revision_id,
            "routing": dict(self.routing),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alias:
        d = dict(data)
        d["routing"] = {str(k): float(v) for k, v in (d.get("routing") or {}).items()}
        return cls(**d)


@dataclass(frozen=True)
class ProvisionedConfig:
    """What a user asked for on a version or an alias; its progress lives in `control`."""

    function_name: str
    qualifier: str  # a version number or an alias name, never $LATEST
    requested: int
    last_modified: str


@dataclass(frozen=True)
class ProvisionedStatus:
    """A provisioned-concurrency configuration with its progress (`IN_PROGRESS`, `READY`,
    or `FAILED` with a `reason`)."""

    config: ProvisionedConfig
    status: str
    reason: str | None = None

    @property
    def available(self) -> int:
        """Environments ready for it: all of them once READY, none before."""
        return self.config.requested if self.status == PROVISIONED_READY else 0


@dataclass(frozen=True)
class LayerVersion:
    name: str
    version: int
    description: str
    code_sha256: str  # hex; the blob store's key
    code_size: int
    unzipped_size: int
    created_date: str
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    license_info: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "code_sha256": self.code_sha256,
            "code_size": self.code_size,
            "unzipped_size": self.unzipped_size,
            "created_date": self.created_date,
            "compatible_runtimes": list(self.compatible_runtimes),
            "compatible_architectures": list(self.compatible_architectures),
            "license_info": self.license_info,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LayerVersion:
        d = dict(data)
        d["compatible_runtimes"] = tuple(d.get("compatible_runtimes") or ())
        d["compatible_architectures"] = tuple(d.get("compatible_architectures") or ())
        return cls(**d)
