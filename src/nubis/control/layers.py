"""Layers: publishing layer versions, and the layers a function uses.

A function's layers (up to 5) are resolved to `LayerRef`s when it is configured, and
their zips are merged in order into one directory (`BlobStore.merged`), which the engine
gets as `FunctionSpec.opt_dir`: what Lambda extracts into /opt.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nubis.control import packages
from nubis.model import limits
from nubis.model.clock import Clock
from nubis.model.errors import InvalidParameterValueException, ResourceNotFoundException
from nubis.model.function import LayerRef
from nubis.model.requests import PublishLayerRequest
from nubis.model.versions import LayerVersion
from nubis.store.base import BlobStore, LayerStore

_LAYER_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[a-zA-Z0-9_-]+)(?::(?P<version>[0-9]+))?$"
)
MSG_NO_SUCH_RESOURCE = "The resource you requested does not exist."


class AccountLike(Protocol):
    @property
    def region(self) -> str: ...

    @property
    def account_id(self) -> str: ...


def layer_arn(account: AccountLike, name: str, version: int | None = None) -> str:
    arn = f"arn:aws:lambda:{account.region}:{account.account_id}:layer:{name}"
    return arn if version is None else f"{arn}:{version}"


def _parse(account: AccountLike, arn: str) -> tuple[str, int] | None:
    """(name, version) of a layer version ARN of this account; None otherwise."""
    m = _LAYER_ARN.match(arn)
    if m is None or m["version"] is None or m["account"] != account.account_id:
        return None
    if len(m["version"]) > 18:  # past a 64-bit integer: no such version can exist
        return None
    return m["name"], int(m["version"])


async def resolve(
    store: LayerStore, account: AccountLike, arns: Sequence[str]
) -> tuple[LayerRef, ...]:
    """The layer versions named by a function's `Layers` parameter, in order."""
    if len(arns) > limits.LAYERS_MAX:
        raise InvalidParameterValueException(
            f"Cannot reference more than {limits.LAYERS_MAX} layers."
        )
    refs: list[LayerRef] = []
    seen: set[str] = set()
    for arn in arns:
        parsed = _parse(account, arn)
        layer = await store.get(*parsed) if parsed else None
        if layer is None:
            raise InvalidParameterValueException(f"Layer version {arn} does not exist.")
        if layer.name in seen:
            raise InvalidParameterValueException(
                "Two different versions of the same layer are not allowed to be referenced "
                "in the same function. Use the latest version of the layer only."
            )
        seen.add(layer.name)
        refs.append(LayerRef(arn, layer.code_sha256, layer.code_size, layer.unzipped_size))
    return tuple(refs)


async def prepare(blobs: BlobStore, layers: Sequence[LayerRef]) -> None:
    """Merge the layers now, so that a cold start finds them ready."""
    if layers:
        await blobs.merged([layer.code_sha256 for layer in layers])


@dataclass(frozen=True)
class Page:
    items: list[LayerVersion]
    next_marker: str | None


def _page(items: list[LayerVersion], marker: str | None, max_items: int | None) -> Page:
    # A marker is an offset we handed out; 18 digits already reach past any listing (and
    # int() refuses strings of thousands of digits).
    start = int(marker[:18]) if marker and marker.isascii() and marker.isdigit() else 0
    limit = max_items or 50
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return Page(chunk, str(start + limit) if more else None)


def _compatible(layer: LayerVersion, runtime: str | None, architecture: str | None) -> bool:
    if runtime is not None and runtime not in layer.compatible_runtimes:
        return False
    return architecture is None or architecture in layer.compatible_architectures


MSG_VERSION_BELOW_ONE = "Layer Version Cannot be less than 1"


class LayerService:
    def __init__(
        self, account: AccountLike, store: LayerStore, blobs: BlobStore, clock: Clock
    ) -> None:
        self.account = account
        self._store = store
        self._blobs = blobs
        self._clock = clock

    def _name(self, text: str) -> str:
        """A LayerName parameter: a name or a layer ARN (without version)."""
        m = _LAYER_ARN.match(text)
        if m is None:
            return text
        if m["account"] != self.account.account_id or m["version"] is not None:
            raise ResourceNotFoundException(MSG_NO_SUCH_RESOURCE)
        return m["name"]

    async def publish(self, req: PublishLayerRequest) -> LayerVersion:
        name = self._name(req.layer_name)
        if req.content.zip_file is None:
            raise InvalidParameterValueException(
                "Nubis accepts layer content as ZipFile only; upload the zip directly."
            )
        data = bytes(req.content.zip_file)
        packages.check_zip(data, "PublishLayerVersion")
        sha = await self._blobs.put(data)
        now = self._clock.time()
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        created += f".{int(now * 1000) % 1000:03d}+0000"
        return await self._store.publish(
            LayerVersion(
                name=name,
                version=0,  # the store numbers it
                description=req.description,
                code_sha256=sha,
                code_size=len(data),
                unzipped_size=packages.unzipped_size(data),
                created_date=created,
                compatible_runtimes=req.compatible_runtimes,
                compatible_architectures=req.compatible_architectures,
                license_info=req.license_info,
            )
        )

    async def get(self, name: str, version: int) -> LayerVersion:
        _check_version_number(version)
        layer = await self._store.get(self._name(name), version)
        if layer is None:
            raise ResourceNotFoundException(MSG_NO_SUCH_RESOURCE)
        return layer

    async def get_by_arn(self, arn: str) -> LayerVersion:
        parsed = _parse(self.account, arn)
        if parsed is None:
            raise ResourceNotFoundException(MSG_NO_SUCH_RESOURCE)
        return await self.get(*parsed)

    async def list_versions(
        self,
        name: str,
        marker: str | None,
        max_items: int | None,
        runtime: str | None = None,
        architecture: str | None = None,
    ) -> Page:
        versions = [
            v
            for v in await self._store.versions(self._name(name))
            if _compatible(v, runtime, architecture)
        ]
        return _page(versions, marker, max_items)

    async def list_layers(
        self,
        marker: str | None,
        max_items: int | None,
        runtime: str | None = None,
        architecture: str | None = None,
    ) -> Page:
        """Per layer, its newest version matching the filters."""
        latest: list[LayerVersion] = []
        for name in await self._store.names():
            versions = await self._store.versions(name)
            match = next((v for v in versions if _compatible(v, runtime, architecture)), None)
            if match is not None:
                latest.append(match)
        return _page(latest, marker, max_items)

    async def delete(self, name: str, version: int) -> None:
        """Idempotent, as in Lambda. Functions using it keep their copy (`LayerRef`)."""
        _check_version_number(version)
        await self._store.delete(self._name(name), version)


def _check_version_number(version: int) -> None:
    if version < 1:
        raise InvalidParameterValueException(MSG_VERSION_BELOW_ONE)
