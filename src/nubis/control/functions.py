"""Functions: create, read, update, delete, tags, and the resolution of a name (with a
qualifier: `$LATEST`, a version number or an alias) to what runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from nubis.control import config_values, packages, runtimes
from nubis.control import layers as layer_rules
from nubis.control.specs import SpecCache
from nubis.control.versions import MSG_STALE_REVISION, Versions, spec_key
from nubis.engine.base import Engine
from nubis.model import limits
from nubis.model.arn import FunctionRef, function_arn, parse_function_ref
from nubis.model.clock import Clock
from nubis.model.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.function import (
    LATEST,
    AccountSettings,
    FunctionConfig,
    FunctionSpec,
    LoggingSettings,
)
from nubis.model.requests import (
    CodeInput,
    CreateFunctionRequest,
    UpdateCodeRequest,
    UpdateConfigurationRequest,
)
from nubis.store.base import BlobStore, ConcurrencyStore, FunctionStore, LayerStore, VersionStore

DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Principal:
    """Who is calling. Filled from the request's credentials; authorization comes later."""

    access_key: str | None = None


@dataclass(frozen=True)
class Account:
    region: str
    account_id: str
    concurrency_limit: int = limits.ACCOUNT_CONCURRENCY


def lambda_timestamp(epoch: float) -> str:
    """Lambda's LastModified format: 2024-01-31T12:00:00.000+0000."""
    ms = int(epoch * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{ms:03d}+0000"


class FunctionService:
    """The rules for functions. Every method validates its input, whatever the client did.

    Invariant: the spec cache (`nubis.control.specs`, which says how each of its entries
    is invalidated) holds, per function name, the FunctionSpec of its current revision;
    it is dropped whenever the stored function changes, and the engine is told to retire
    environments of other revisions in the same step, so no invocation that starts after
    an update returns runs old code or configuration. Environments of published versions
    are kept: a version never changes. `forget` drops every cached entry of a function
    (e.g. when its reserved concurrency, which every spec carries, changes).
    """

    def __init__(
        self,
        account: Account,
        functions: FunctionStore,
        blobs: BlobStore,
        engine: Engine,
        clock: Clock,
        *,
        versions: VersionStore,
        concurrency: ConcurrencyStore,
        layers: LayerStore,
    ) -> None:
        self.account = account
        self._functions = functions
        self._blobs = blobs
        self._engine = engine
        self._clock = clock
        self.versions = Versions(versions)
        self.concurrency = concurrency
        self.layers = layers
        self._cache = SpecCache()
        self._on_deleted: list[Callable[[str], Awaitable[None]]] = []

    def subscribe_deleted(self, forget: Callable[[str], Awaitable[None]]) -> None:
        """Have `forget(name)` awaited once a whole function is deleted (not a version),
        for the parts of control that keep per-function state of their own (reserved and
        provisioned concurrency, event-invoke configs). Subscribers are awaited in the
        order they subscribed, after the function is gone from the store; one that raises
        makes DeleteFunction fail and the ones after it are not called."""
        self._on_deleted.append(forget)

    # ----------------------------------------------------------------- resolution
    def arn(self, name: str, qualifier: str | None = None) -> str:
        return function_arn(self.account.region, self.account.account_id, name, qualifier)

    def parse_ref(self, text: str, qualifier: str | None = None) -> FunctionRef:
        """A FunctionName parameter (+ Qualifier) to a reference in this account."""
        ref = parse_function_ref(text)
        if ref is None:
            raise InvalidParameterValueException(f"Invalid function name: {text}")
        self._check_region(ref)
        if ref.account is not None and ref.account != self.account.account_id:
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        if qualifier and ref.qualifier and qualifier != ref.qualifier:
            raise InvalidParameterValueException(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        return FunctionRef(ref.name, qualifier or ref.qualifier, ref.account, ref.region)

    def _check_region(self, ref: FunctionRef) -> None:
        """An ARN of another region names nothing here (Lambda's 404 and words)."""
        if ref.region is not None and ref.region != self.account.region:
            raise ResourceNotFoundException(
                f"Functions from '{ref.region}' are not reachable in this region "
                f"('{self.account.region}')"
            )

    async def publish(
        self,
        latest: FunctionConfig,
        code_sha256: str | None = None,
        description: str | None = None,
        revision_id: str | None = None,
    ) -> FunctionConfig:
        """PublishVersion (see `Versions.publish`). A SnapStart version starts its init at
        once, in the background, so that its first cold start is a restore too (Lambda
        takes its snapshot at publish time)."""
        version = await self.versions.publish(latest, code_sha256, description, revision_id)
        if version.snap_start_on:
            self._engine.prepare_snapstart((await self.spec(version.name, version.version))[1])
        return version

    async def published(self, name: str) -> list[FunctionConfig]:
        """Every published version of the function, oldest first."""
        out: list[FunctionConfig] = []
        after = 0
        while page := await self.versions.store.list_versions(name, after, 1000):
            out.extend(page)
            after = int(page[-1].version)
        return out

    async def latest(self, name: str, qualifier: str | None = None) -> FunctionConfig:
        """The function's $LATEST, or ResourceNotFoundException naming the ARN qualified as
        asked, `$LATEST` when it was not (Lambda's "Function not found: ...:f:$LATEST")."""
        cached = self._cache.latest.get(name)
        config = cached[0] if cached else await self._functions.get(name)
        if config is None:
            raise ResourceNotFoundException(
                f"Function not found: {self.arn(name, qualifier or LATEST)}"
            )
        return config

    async def get(self, text: str, qualifier: str | None = None) -> FunctionConfig:
        """The configuration a reference names: $LATEST, a version, or the version an
        alias points to (its primary one)."""
        ref = self.parse_ref(text, qualifier)
        config = await self.latest(ref.name, ref.qualifier)
        if ref.qualifier in (None, LATEST):
            return config
        arn = self.arn(ref.name, ref.qualifier)
        if ref.qualifier.isdigit():
            return await self.versions.version(ref.name, ref.qualifier, arn)
        alias = await self.versions.store.get_alias(ref.name, ref.qualifier)
        if alias is None:  # Lambda's words for an unknown alias as a qualifier
            raise ResourceNotFoundException(f"Cannot find alias arn: {arn}")
        return await self.versions.version(ref.name, alias.function_version, arn)

    async def spec(
        self, text: str, qualifier: str | None = None
    ) -> tuple[FunctionConfig, FunctionSpec]:
        """What the engine runs for this reference (for a weighted alias: one of its two
        versions, drawn by weight). On every invoke: a warm function's answer comes from
        the cache without awaiting the store."""
        plain = parse_function_ref(text)
        if plain is not None and plain.account is None and qualifier in (None, LATEST):
            hit = self._cache.latest.get(plain.name)  # the warm path: nothing more
            if hit is not None and plain.qualifier in (None, LATEST):
                return hit
        ref = self.parse_ref(text, qualifier)
        name, qual = ref.name, ref.qualifier
        generation = self._cache.generation(name)
        if qual in (None, LATEST):
            hit = self._cache.latest.get(name)
            if hit is not None:
                return hit
            entry = await self._build(await self.latest(name))
            self._cache.put_latest(entry, generation)
            return entry
        if not qual.isdigit():
            alias = self._cache.aliases.get((name, qual))
            if alias is None:
                await self.latest(name, qual)  # the function must exist
                alias = await self.versions.store.get_alias(name, qual)
                if alias is None:
                    raise ResourceNotFoundException(f"Function not found: {self.arn(name, qual)}")
                self._cache.put_alias(alias, generation)
            qual = self.versions.pick(alias)
        hit = self._cache.versions.get((name, qual))
        if hit is not None:
            return hit
        await self.latest(name, qual)
        entry = await self._build(await self.versions.version(name, qual, self.arn(name, qual)))
        self._cache.put_version(entry, generation)
        return entry

    async def _build(self, config: FunctionConfig) -> tuple[FunctionConfig, FunctionSpec]:
        opt_dir = None
        if config.layers:
            opt_dir = await self._blobs.merged([layer.code_sha256 for layer in config.layers])
        spec = FunctionSpec(
            key=spec_key(config),
            function_name=config.name,
            function_arn=self.arn(config.name),
            version=config.version,
            runtime=config.runtime,
            handler=config.handler,
            code_dir=await self._blobs.unpacked(config.code_sha256),
            memory_mb=config.memory_size,
            timeout_s=config.timeout,
            ephemeral_mb=config.ephemeral_storage,
            environment=dict(config.environment),
            log_group=config.log_group,
            reserved_concurrency=await self.concurrency.reserved(config.name),
            opt_dir=opt_dir,
            snap_start=config.snap_start_on,
        )
        return config, spec

    def forget(self, name: str) -> None:
        """Drop the cached specs (and aliases) of a function; the next invocation builds
        them anew."""
        self._cache.forget(name)

    def forget_alias(self, name: str, alias: str) -> None:
        """An alias was created, updated or deleted: the next invocation reads it anew."""
        self._cache.forget_alias(name, alias)

    async def _changed(self, config: FunctionConfig | None, name: str) -> None:
        """$LATEST changed (or, with None, the function is gone): retire what is stale."""
        self._cache.changed(name)
        if config is None:
            self.forget(name)
            await self._engine.retire(name)
            return
        await self._engine.retire(name, spec_key(config), await self.versions.keys(name))

    # ----------------------------------------------------------------- checks
    def _check_runtime(self, runtime: str | None, handler: str | None) -> tuple[str, str]:
        if not runtime or not handler:
            raise InvalidParameterValueException(
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages."
            )
        runtimes.check_runtime(runtime, set(self._engine.runtimes()))
        packages.check_handler(runtime, handler)
        return runtime, handler

    async def _store_code(
        self, code: CodeInput, operation: str = "CreateFunction"
    ) -> tuple[str, int]:
        if code.zip_file is None:
            other = ", ".join(code.other) or "nothing"
            raise InvalidParameterValueException(
                f"Nubis accepts code as ZipFile only (got {other}); upload the zip directly."
            )
        data = bytes(code.zip_file)
        packages.check_zip(data, operation)
        # Hashing, writing and unpacking up to 250 MB would stall the event loop.
        sha = await self._blobs.put(data)
        await self._blobs.unpacked(sha)  # ready for the first cold start
        return sha, len(data)

    # ----------------------------------------------------------------- operations
    async def create(self, req: CreateFunctionRequest, principal: Principal) -> FunctionConfig:
        ref = parse_function_ref(req.function_name)
        if ref is None or ref.qualifier is not None:
            raise InvalidParameterValueException(
                f"Invalid function name for CreateFunction: {req.function_name}"
            )
        self._check_region(ref)
        if len(ref.name) > limits.FUNCTION_NAME_MAX:
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{req.function_name}' at 'functionName' "
                "failed to satisfy constraint: Member must have length less than or equal to "
                f"{limits.FUNCTION_NAME_MAX}"
            )
        if req.package_type != "Zip":
            raise InvalidParameterValueException("Nubis supports PackageType Zip only.")
        runtime, handler = self._check_runtime(req.runtime, req.handler)
        variables = dict(req.environment)
        packages.check_environment(variables)
        if await self._functions.get(ref.name) is not None:
            raise ResourceConflictException(f"Function already exist: {ref.name}")
        layers = await layer_rules.resolve(self.layers, self.account, req.layers)
        packages.check_zip_with_layers(bytes(req.code.zip_file or b""), layers)
        sha, size = await self._store_code(req.code)
        await layer_rules.prepare(self._blobs, layers)
        now = self._clock.time()
        config = FunctionConfig(
            name=ref.name,
            runtime=runtime,
            handler=handler,
            role=req.role,
            code_sha256=sha,
            code_size=size,
            memory_size=req.memory_size or limits.DEFAULT_MEMORY_MB,
            timeout=req.timeout or limits.DEFAULT_TIMEOUT_S,
            ephemeral_storage=req.ephemeral_storage or limits.DEFAULT_EPHEMERAL_MB,
            environment=variables,
            description=req.description,
            architectures=runtimes.check_architectures(req.architectures),
            last_modified=lambda_timestamp(now),
            revision_id=str(uuid.uuid4()),
            tags=dict(req.tags),
            layers=layers,
            snap_start=config_values.snap_start(req.snap_start),
            dead_letter_arn=config_values.dead_letter(req.dead_letter_arn),
            logging=config_values.logging_settings(LoggingSettings(), req.logging),
        )
        if not await self._functions.create(config):  # lost a race with another create
            raise ResourceConflictException(f"Function already exist: {ref.name}")
        if req.publish:
            return await self.publish(config)
        return config

    async def list(
        self, marker: str | None, max_items: int | None
    ) -> tuple[list[FunctionConfig], str | None]:
        limit = max_items or DEFAULT_PAGE
        page = await self._functions.list(marker, limit + 1)
        more = len(page) > limit
        page = page[:limit]
        return page, (page[-1].name if more and page else None)

    def _check_revision(self, config: FunctionConfig, revision_id: str | None) -> None:
        if revision_id is not None and revision_id != config.revision_id:
            raise PreconditionFailedException(MSG_STALE_REVISION)

    async def _replace(self, old: FunctionConfig, new: FunctionConfig) -> FunctionConfig:
        if not await self._functions.replace(new, old.revision_id):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self.arn(old.name)}"
            )
        await self._changed(new, new.name)
        return new

    async def update_code(self, req: UpdateCodeRequest) -> FunctionConfig:
        config = await self.get(req.function_name)
        self._check_revision(config, req.revision_id)
        if req.code.zip_file is not None:
            packages.check_zip_with_layers(
                bytes(req.code.zip_file), config.layers, "UpdateFunctionCode"
            )
        if req.dry_run:
            return config
        sha, size = await self._store_code(req.code, "UpdateFunctionCode")
        new = replace(
            config,
            code_sha256=sha,
            code_size=size,
            last_modified=lambda_timestamp(self._clock.time()),
            revision_id=str(uuid.uuid4()),
        )
        new = await self._replace(config, new)
        if req.publish:
            return await self.publish(new)
        return new

    async def update_configuration(self, req: UpdateConfigurationRequest) -> FunctionConfig:
        config = await self.get(req.function_name)
        self._check_revision(config, req.revision_id)
        runtime, handler = self._check_runtime(
            req.runtime or config.runtime, req.handler or config.handler
        )
        changes: dict[str, Any] = {"runtime": runtime, "handler": handler}
        if req.environment is not None:
            variables = dict(req.environment)
            packages.check_environment(variables)
            changes["environment"] = variables
        for attr in ("memory_size", "timeout", "role", "description"):
            if getattr(req, attr) is not None:
                changes[attr] = getattr(req, attr)
        if req.ephemeral_storage:
            changes["ephemeral_storage"] = req.ephemeral_storage
        if req.snap_start is not None:
            changes["snap_start"] = config_values.snap_start(req.snap_start)
        if req.dead_letter_arn is not None:
            changes["dead_letter_arn"] = config_values.dead_letter(req.dead_letter_arn)
        if req.logging is not None:
            changes["logging"] = config_values.logging_settings(config.logging, req.logging)
        if req.layers is not None:
            layers = await layer_rules.resolve(self.layers, self.account, req.layers)
            code = await asyncio.to_thread(
                packages.unzipped_size, self._blobs.path(config.code_sha256)
            )
            packages.check_unzipped_total(sum(layer.unzipped_size for layer in layers) + code)
            await layer_rules.prepare(self._blobs, layers)
            changes["layers"] = layers
        new = replace(
            config,
            **changes,
            last_modified=lambda_timestamp(self._clock.time()),
            revision_id=str(uuid.uuid4()),
        )
        return await self._replace(config, new)

    async def delete(self, text: str, qualifier: str | None) -> None:
        ref = self.parse_ref(text, qualifier)
        if ref.qualifier == LATEST:
            raise InvalidParameterValueException(
                "$LATEST version cannot be deleted without deleting the function."
            )
        if ref.qualifier is not None:
            await self._delete_version(ref.name, ref.qualifier)
            return
        if not await self._functions.delete(ref.name):
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        self.forget(ref.name)  # at once: no invocation starting from now finds it cached
        await self.versions.store.drop_function(ref.name)
        await self.concurrency.drop_function(ref.name)
        await self._changed(None, ref.name)
        for forget in self._on_deleted:
            await forget(ref.name)

    async def _delete_version(self, name: str, version: str) -> None:
        await self.latest(name)  # the function must exist
        if not version.isdigit():
            raise InvalidParameterValueException(
                "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias."
            )
        async with self.versions.lock(name):
            await self.versions.check_deletable(name, version)
            # Like Lambda: deleting a version that does not exist (any more) succeeds.
            deleted = await self.versions.store.delete_version(name, version)
        if deleted:
            await self.concurrency.delete_provisioned(name, version)
            self.forget(name)
            latest = await self._functions.get(name)
            keep = [spec_key(latest)] if latest else []
            await self._engine.retire(name, None, keep + await self.versions.keys(name))

    async def replace_settings(self, old: FunctionConfig, new: FunctionConfig) -> bool:
        """Store `new` (the same function with settings that are not code or
        configuration: tags, runtime management, recursion) under the same revision;
        False if `old` is no longer the stored one. Warm environments stay."""
        if not await self._functions.replace(new, old.revision_id):
            return False
        self._cache.changed(old.name)
        return True

    async def set_tags(self, config: FunctionConfig, tags: dict[str, str]) -> None:
        """Replace the function's tags. Tags are not code or configuration: the revision
        stays and so do warm environments."""
        if not await self._functions.replace(replace(config, tags=tags), config.revision_id):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self.arn(config.name)}"
            )
        self._cache.changed(config.name)

    async def account_settings(self) -> AccountSettings:
        functions = await self._functions.list(None, 1_000_000)
        reserved = sum((await self.concurrency.all_reserved()).values())
        return AccountSettings(
            concurrency_limit=self.account.concurrency_limit,
            unreserved_concurrency=self.account.concurrency_limit - reserved,
            total_code_size=sum(f.code_size for f in functions),
            function_count=len(functions),
        )
