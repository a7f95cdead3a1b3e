"""Published versions: the rules for publishing, finding and deleting one.

A version is an immutable snapshot of `$LATEST` (code and configuration) under the next
number. `FunctionService` owns a `Versions` and asks it whenever a qualifier is a number
or an alias name; aliases themselves are managed in `nubis.control.aliases`.
"""

from __future__ import annotations

import asyncio
import base64
import random
import uuid
from dataclasses import replace
from typing import Any

from nubis.model.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.function import LATEST, FunctionConfig
from nubis.model.versions import Alias
from nubis.store.base import VersionStore

MSG_STALE_REVISION = (
    "The Revision Id provided does not match the latest Revision Id. Call the "
    "GetFunction/GetAlias API to retrieve the latest Revision Id"
)

# What a version does not take over from $LATEST when deciding "nothing changed".
_NOT_CONTENT = (
    "version",
    "revision_id",
    "last_modified",
    "description",
    "tags",
    "source_revision",
)


def b64_digest(hex_digest: str) -> str:
    """A SHA-256 as Lambda shows it (CodeSha256): base64 of the digest."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _content(config: FunctionConfig) -> dict[str, Any]:
    data = config.to_json()
    for key in _NOT_CONTENT:
        data.pop(key, None)
    return data


def _unchanged(newest: FunctionConfig, latest: FunctionConfig) -> bool:
    """$LATEST is what `newest` was published from: the same revision (every update of
    code or configuration makes a new one). Versions stored before the revision was kept
    are compared by content."""
    if newest.source_revision is not None:
        return newest.source_revision == latest.revision_id
    return _content(newest) == _content(latest)


def spec_key(config: FunctionConfig) -> str:
    """The engine's pool key of a configuration: new for every revision and version."""
    if config.version == LATEST:
        return f"{config.name}@{config.revision_id}"
    return f"{config.name}:{config.version}@{config.revision_id}"


class Versions:
    """Versions and alias resolution of one account's functions. `rng` picks the version
    of a weighted alias (injected so that tests can seed it)."""

    def __init__(self, store: VersionStore, rng: random.Random | None = None) -> None:
        self.store = store
        self._rng = rng or random.Random()
        self._locks: dict[str, asyncio.Lock] = {}  # per function name; never dropped

    async def publish(
        self,
        latest: FunctionConfig,
        code_sha256: str | None = None,
        description: str | None = None,
        revision_id: str | None = None,
    ) -> FunctionConfig:
        """Snapshot `latest` as a new version, or return the newest version if $LATEST has
        not changed since it was published: code or configuration (Lambda: "Lambda
        doesn't publish a version if the function's code hasn't changed since the last
        version" is about code *and* configuration; a configuration-only update makes a
        new version)."""
        if revision_id is not None and revision_id != latest.revision_id:
            raise PreconditionFailedException(MSG_STALE_REVISION)
        current = b64_digest(latest.code_sha256)
        if code_sha256 is not None and code_sha256 != current:
            raise InvalidParameterValueException(
                f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST "
                f"({current}). Please try again with the CodeSHA256 in $LATEST."
            )
        # "Nothing changed since the newest version" is read, then acted on: two
        # publishes of one function in this process take turns, or both would publish.
        async with self.lock(latest.name):
            newest = await self.store.latest_version(latest.name)
            if newest is not None and _unchanged(newest, latest):
                return newest
            snapshot = replace(
                latest,
                revision_id=str(uuid.uuid4()),
                source_revision=latest.revision_id,
                description=latest.description if description is None else description,
                tags={},  # tags belong to the function, not to a version
            )
            return await self.store.publish(snapshot)

    def lock(self, name: str) -> asyncio.Lock:
        """Held by rules that read the function's versions or aliases and then write on
        what they read (publish; delete a version no alias uses; point an alias at a
        version that exists), so that in this process they take turns: a store call
        gives the loop a turn in between. Not reentrant. Several nodes would need the
        store to check and write in one transaction instead (issue 13)."""
        return self._locks.setdefault(name, asyncio.Lock())

    async def version(self, name: str, version: str, arn: str) -> FunctionConfig:
        config = await self.store.get_version(name, version)
        if config is None:
            raise ResourceNotFoundException(f"Function not found: {arn}")
        return config

    async def alias(self, name: str, alias: str, arn: str) -> Alias:
        found = await self.store.get_alias(name, alias)
        if found is None:
            raise ResourceNotFoundException(f"Cannot find alias arn: {arn}")
        return found

    def pick(self, alias: Alias) -> str:
        """The version one invocation of `alias` runs: the additional version with its
        weight's probability, else the alias's own."""
        for version, weight in alias.routing.items():
            if self._rng.random() < weight:
                return version
        return alias.function_version

    async def keys(self, name: str) -> list[str]:
        """Pool keys of every published version of the function."""
        out: list[str] = []
        after = 0
        while page := await self.store.list_versions(name, after, 1000):
            out.extend(spec_key(c) for c in page)
            after = int(page[-1].version)
        return out

    async def check_deletable(self, name: str, version: str) -> None:
        users = [
            a.name
            for a in await self.store.list_aliases(name)
            if a.function_version == version or version in a.routing
        ]
        if users:
            raise ResourceConflictException(
                "Unable to delete version because the following aliases reference it: "
                f"[{', '.join(users)}]"
            )
