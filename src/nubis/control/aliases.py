"""Aliases: a name for one version, optionally sending a share of its traffic to a second
one (`RoutingConfig.AdditionalVersionWeights`).

An update is one compare-and-swap of the stored alias, so an invocation sees either the
old alias or the new one, never a mix. Invocations resolve the alias (and draw the
version by weight) in `FunctionService.spec`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from nubis.control.concurrency import ConcurrencyService
from nubis.control.functions import DEFAULT_PAGE, FunctionService
from nubis.control.versions import MSG_STALE_REVISION
from nubis.model.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.function import LATEST
from nubis.model.requests import CreateAliasRequest, UpdateAliasRequest
from nubis.model.versions import Alias


class AliasService:
    def __init__(self, functions: FunctionService, concurrency: ConcurrencyService) -> None:
        self._functions = functions
        self._store = functions.versions.store
        self._concurrency = concurrency

    def arn(self, alias: Alias) -> str:
        return self._functions.arn(alias.function_name, alias.name)

    async def _function(self, text: str) -> str:
        ref = self._functions.parse_ref(text)
        if ref.qualifier is not None:
            raise InvalidParameterValueException(
                f"Function name {text} must not be qualified for alias operations."
            )
        return (await self._functions.latest(ref.name)).name

    async def _check(self, name: str, version: str, routing: Mapping[str, float]) -> None:
        if version != LATEST:
            await self._functions.get(name, version)  # ResourceNotFoundException if unknown
        if not routing:
            return
        if len(routing) > 1:
            raise InvalidParameterValueException(
                "Number of items in AdditionalVersionWeights cannot be greater than 1"
            )
        if version == LATEST:
            raise InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version"
            )
        (extra,) = routing
        if extra == version:
            raise InvalidParameterValueException(
                f"Invalid function version {extra}. Function version {extra} is already "
                "included in routing configuration."
            )
        if not extra.isdigit():
            raise InvalidParameterValueException(
                f"Invalid function version {extra}: routing needs a published version."
            )
        await self._functions.get(name, extra)

    async def create(self, req: CreateAliasRequest) -> Alias:
        name = await self._function(req.function_name)
        routing = dict(req.routing)
        alias = Alias(
            function_name=name,
            name=req.name,
            function_version=req.function_version,
            description=req.description,
            revision_id=str(uuid.uuid4()),
            routing=routing,
        )
        async with self._functions.versions.lock(name):  # the versions stay while it checks
            await self._check(name, req.function_version, routing)
            created = await self._store.create_alias(alias)
        if not created:
            raise ResourceConflictException(f"Alias already exists: {self.arn(alias)}")
        self._functions.forget_alias(name, alias.name)
        return alias

    async def get(self, text: str, alias: str) -> Alias:
        name = await self._function(text)
        return await self._functions.versions.alias(name, alias, self._functions.arn(name, alias))

    async def list(
        self, text: str, version: str | None, marker: str | None, max_items: int | None
    ) -> tuple[list[Alias], str | None]:
        name = await self._function(text)
        aliases = [
            a
            for a in await self._store.list_aliases(name)
            if version is None or a.function_version == version
        ]
        if marker:
            aliases = [a for a in aliases if a.name > marker]
        limit = max_items or DEFAULT_PAGE
        page = aliases[:limit]
        return page, (page[-1].name if len(aliases) > limit else None)

    async def update(self, req: UpdateAliasRequest) -> Alias:
        name = await self._function(req.function_name)
        arn = self._functions.arn(name, req.name)
        current = await self._store.get_alias(name, req.name)
        if current is None:
            raise ResourceNotFoundException(f"Alias not found: {arn}")
        if req.revision_id is not None and req.revision_id != current.revision_id:
            raise PreconditionFailedException(MSG_STALE_REVISION)
        version = req.function_version or current.function_version
        routing = dict(current.routing if req.routing is None else req.routing)
        new = Alias(
            function_name=name,
            name=current.name,
            function_version=version,
            description=current.description if req.description is None else req.description,
            revision_id=str(uuid.uuid4()),
            routing=routing,
        )
        async with self._functions.versions.lock(name):
            await self._check(name, version, routing)
            replaced = await self._store.replace_alias(new, current.revision_id)
        if not replaced:
            raise PreconditionFailedException(MSG_STALE_REVISION)
        self._functions.forget_alias(name, new.name)
        if version != current.function_version:
            await self._concurrency.apply(name)  # provisioned environments follow it
        return new

    async def delete(self, text: str, alias: str) -> None:
        name = await self._function(text)
        # Idempotent; a provisioned-concurrency config of the alias goes with it.
        deleted = await self._store.delete_alias(name, alias)
        self._functions.forget_alias(name, alias)
        if deleted and await self._functions.concurrency.delete_provisioned(name, alias):
            await self._concurrency.apply(name)
