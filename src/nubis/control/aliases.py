"""Aliases: a name for one version, optionally sending a share of its traffic to a second
one (`RoutingConfig.AdditionalVersionWeights`).

An update is one compare-and-swap of the stored alias, so an invocation sees either the
old alias or the new one, never a mix. Invocations resolve the alias (and draw the
version by weight) in `FunctionService.spec`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

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
from nubis.model.versions import Alias


class AliasService:
    def __init__(self, functions: FunctionService, concurrency: ConcurrencyService) -> None:
        self._functions = functions
        self._store = functions.versions.store
        self._concurrency = concurrency

    def arn(self, alias: Alias) -> str:
        return self._functions.arn(alias.function_name, alias.name)

    def _function(self, text: str) -> str:
        ref = self._functions.parse_ref(text)
        if ref.qualifier is not None:
            raise InvalidParameterValueException(
                f"Function name {text} must not be qualified for alias operations."
            )
        return self._functions.latest(ref.name).name

    def _check(self, name: str, version: str, routing: Mapping[str, float]) -> None:
        if version != LATEST:
            self._functions.get(name, version)  # ResourceNotFoundException if unknown
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
        self._functions.get(name, extra)

    def create(self, params: Mapping[str, Any]) -> Alias:
        name = self._function(params["FunctionName"])
        routing = _routing(params.get("RoutingConfig"))
        self._check(name, params["FunctionVersion"], routing)
        alias = Alias(
            function_name=name,
            name=params["Name"],
            function_version=params["FunctionVersion"],
            description=params.get("Description") or "",
            revision_id=str(uuid.uuid4()),
            routing=routing,
        )
        if not self._store.create_alias(alias):
            raise ResourceConflictException(f"Alias already exists: {self.arn(alias)}")
        return alias

    def get(self, text: str, alias: str) -> Alias:
        name = self._function(text)
        return self._functions.versions.alias(name, alias, self._functions.arn(name, alias))

    def list(
        self, text: str, version: str | None, marker: str | None, max_items: int | None
    ) -> tuple[list[Alias], str | None]:
        name = self._function(text)
        aliases = [
            a
            for a in self._store.list_aliases(name)
            if version is None or a.function_version == version
        ]
        if marker:
            aliases = [a for a in aliases if a.name > marker]
        limit = max_items or DEFAULT_PAGE
        page = aliases[:limit]
        return page, (page[-1].name if len(aliases) > limit else None)

    async def update(self, params: Mapping[str, Any]) -> Alias:
        name = self._function(params["FunctionName"])
        arn = self._functions.arn(name, params["Name"])
        current = self._store.get_alias(name, params["Name"])
        if current is None:
            raise ResourceNotFoundException(f"Alias not found: {arn}")
        if params.get("RevisionId") is not None and params["RevisionId"] != current.revision_id:
            raise PreconditionFailedException(MSG_STALE_REVISION)
        version = params.get("FunctionVersion") or current.function_version
        routing = (
            _routing(params["RoutingConfig"])
            if params.get("RoutingConfig") is not None
            else dict(current.routing)
        )
        self._check(name, version, routing)
        description = params.get("Description")
        new = Alias(
            function_name=name,
            name=current.name,
            function_version=version,
            description=current.description if description is None else description,
            revision_id=str(uuid.uuid4()),
            routing=routing,
        )
        if not self._store.replace_alias(new, current.revision_id):
            raise PreconditionFailedException(MSG_STALE_REVISION)
        if version != current.function_version:
            await self._concurrency.apply(name)  # provisioned environments follow it
        return new

    async def delete(self, text: str, alias: str) -> None:
        name = self._function(text)
        # Idempotent; a provisioned-concurrency config of the alias goes with it.
        deleted = self._store.delete_alias(name, alias)
        if deleted and self._functions.concurrency.delete_provisioned(name, alias):
            await self._concurrency.apply(name)


def _routing(config: Mapping[str, Any] | None) -> dict[str, float]:
    weights = (config or {}).get("AdditionalVersionWeights") or {}
    return {str(k): float(v) for k, v in weights.items()}
