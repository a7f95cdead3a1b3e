"""Functions: create, read, update, delete, tags, and the resolution of a name (with a
qualifier: `$LATEST`, a version number or an alias) to what runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from nubis.control import layers as layer_rules
from nubis.control import packages
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
from nubis.model.function import LATEST, FunctionConfig, FunctionSpec
from nubis.model.requests import (
    CodeInput,
    CreateFunctionRequest,
    UpdateCodeRequest,
    UpdateConfigurationRequest,
)
from nubis.store.base import BlobStore, ConcurrencyStore, FunctionStore, LayerStore, VersionStore
from nubis.store.memory import MemoryConcurrencyStore, MemoryLayerStore, MemoryVersionStore

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

    Invariant: `_specs` holds, per function name, the FunctionSpec of its current revision;
    it is dropped whenever the stored function changes, and the engine is told to retire
    environments of other revisions in the same step, so no invocation that starts after
    an update returns runs old code or configuration. Environments of published versions
    are kept: a version never changes. `_version_specs` caches versions' specs per
    (name, version); `forget` drops both caches of a function (e.g. when its reserved
    concurrency, which every spec carries, changes).

    The stores of versions, concurrency settings and layers default to in-memory ones
    (tests); `nubis serve` passes durable ones.
    """

    def __init__(
        self,
        account: Account,
        functions: FunctionStore,
        blobs: BlobStore,
        engine: Engine,
        clock: Clock,
        *,
        versions: VersionStore | None = None,
        concurrency: ConcurrencyStore | None = None,
        layers: LayerStore | None = None,
    ) -> None:
        self.account = account
        self._functions = functions
        self._blobs = blobs
        self._engine = engine
        self._clock = clock
        self.versions = Versions(versions or MemoryVersionStore())
        self.concurrency: ConcurrencyStore = concurrency or MemoryConcurrencyStore()
        self.layers: LayerStore = layers or MemoryLayerStore()
        self._specs: dict[str, tuple[FunctionConfig, FunctionSpec]] = {}
        self._version_specs: dict[tuple[str, str], tuple[FunctionConfig, FunctionSpec]] = {}
        # Called with the name once a whole function is deleted, for the parts of control
        # that keep per-function state of their own (e.g. event-invoke configs).
        self.on_deleted: list[Callable[[str], Awaitable[None]]] = []

    # ----------------------------------------------------------------- resolution
    def arn(self, name: str, qualifier: str | None = None) -> str:
        return function_arn(self.account.region, self.account.account_id, name, qualifier)

    def parse_ref(self, text: str, qualifier: str | None = None) -> FunctionRef:
        """A FunctionName parameter (+ Qualifier) to a reference in this account."""
        ref = parse_function_ref(text)
        if ref is None:
            raise InvalidParameterValueException(f"Invalid function name: {text}")
        if ref.account is not None and ref.account != self.account.account_id:
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        if qualifier and ref.qualifier and qualifier != ref.qualifier:
            raise InvalidParameterValueException(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        return FunctionRef(ref.name, qualifier or ref.qualifier, ref.account, ref.region)

    def publish(
        self,
        latest: FunctionConfig,
        code_sha256: str | None = None,
        description: str | None = None,
        revision_id: str | None = None,
    ) -> FunctionConfig:
        """PublishVersion (see `Versions.publish`). A SnapStart version starts its init at
        once, in the background, so that its first cold start is a restore too (Lambda
        takes its snapshot at publish time)."""
        version = self.versions.publish(latest, code_sha256, description, revision_id)
        if version.snap_start_on:
            self._engine.prepare_snapstart(self.spec(version.name, version.version)[1])
        return version

    def latest(self, name: str) -> FunctionConfig:
        """The function's $LATEST, or ResourceNotFoundException."""
        cached = self._specs.get(name)
        config = cached[0] if cached else self._functions.get(name)
        if config is None:
            raise ResourceNotFoundException(f"Function not found: {self.arn(name)}")
        return config

    def get(self, text: str, qualifier: str | None = None) -> FunctionConfig:
        """The configuration a reference names: $LATEST, a version, or the version an
        alias points to (its primary one)."""
        ref = self.parse_ref(text, qualifier)
        config = self.latest(ref.name)
        if ref.qualifier in (None, LATEST):
            return config
        return self._qualified(ref.name, ref.qualifier)

    def _qualified(self, name: str, qualifier: str, pick: bool = False) -> FunctionConfig:
        arn = self.arn(name, qualifier)
        if qualifier.isdigit():
            return self.versions.version(name, qualifier, arn)
        alias = self.versions.store.get_alias(name, qualifier)
        if alias is None:
            raise ResourceNotFoundException(f"Function not found: {arn}")
        version = self.versions.pick(alias) if pick else alias.function_version
        return self.versions.version(name, version, arn)

    def spec(self, text: str, qualifier: str | None = None) -> tuple[FunctionConfig, FunctionSpec]:
        """What the engine runs for this reference (for a weighted alias: one of its two
        versions, drawn by weight). Cached: this is on every invoke."""
        ref = parse_function_ref(text)
        if ref is not None and ref.account is None and qualifier in (None, LATEST):
            cached = self._specs.get(ref.name)
            if cached is not None and ref.qualifier in (None, LATEST):
                return cached
        ref = self.parse_ref(text, qualifier)
        latest = self.latest(ref.name)
        if ref.qualifier in (None, LATEST):
            config = latest
        else:
            config = self._qualified(ref.name, ref.qualifier, pick=True)
            cached = self._version_specs.get((config.name, config.version))
            if cached is not None and cached[0].revision_id == config.revision_id:
                return cached
        spec = FunctionSpec(
            key=spec_key(config),
            function_name=config.name,
            function_arn=self.arn(config.name),
            version=config.version,
            runtime=config.runtime,
            handler=config.handler,
            code_dir=self._blobs.unpacked(config.code_sha256),
            memory_mb=config.memory_size,
            timeout_s=config.timeout,
            ephemeral_mb=config.ephemeral_storage,
            environment=dict(config.environment),
            log_group=f"/aws/lambda/{config.name}",
            reserved_concurrency=self.concurrency.reserved(config.name),
            opt_dir=(
                self._blobs.merged([layer.code_sha256 for layer in config.layers])
                if config.layers
                else None
            ),
            snap_start=config.snap_start_on,
        )
        if config.version == LATEST:
            self._specs[config.name] = (config, spec)
        else:
            self._version_specs[(config.name, config.version)] = (config, spec)
        return config, spec

    def forget(self, name: str) -> None:
        """Drop the cached specs of a function; the next invocation builds them anew."""
        self._specs.pop(name, None)
        for key in [k for k in self._version_specs if k[0] == name]:
            del self._version_specs[key]

    async def _changed(self, config: FunctionConfig | None, name: str) -> None:
        """$LATEST changed (or, with None, the function is gone): retire what is stale."""
        self._specs.pop(name, None)
        if config is None:
            self.forget(name)
            await self._engine.retire(name)
            return
        await self._engine.retire(name, spec_key(config), self.versions.keys(name))

    # ----------------------------------------------------------------- checks
    def _check_runtime(self, runtime: str | None, handler: str | None) -> tuple[str, str]:
        if not runtime or not handler:
            raise InvalidParameterValueException(
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages."
            )
        available = self._engine.runtimes()
        if runtime not in available:
            raise InvalidParameterValueException(
                f"The runtime parameter of {runtime} is not supported on this host. "
                f"Supported runtimes: {', '.join(sorted(available))}."
            )
        packages.check_handler(runtime, handler)
        return runtime, handler

    async def _store_code(self, code: CodeInput) -> tuple[str, int]:
        if code.zip_file is None:
            other = ", ".join(code.other) or "nothing"
            raise InvalidParameterValueException(
                f"Nubis accepts code as ZipFile only (got {other}); upload the zip directly."
            )
        data = bytes(code.zip_file)
        packages.check_zip(data)
        # Hashing, writing and unpacking up to 250 MB would stall the event loop.
        sha = await asyncio.to_thread(self._blobs.put, data)
        await asyncio.to_thread(self._blobs.unpacked, sha)
        return sha, len(data)

    # ----------------------------------------------------------------- operations
    async def create(self, req: CreateFunctionRequest, principal: Principal) -> FunctionConfig:
        ref = parse_function_ref(req.function_name)
        if ref is None or ref.qualifier is not None:
            raise InvalidParameterValueException(
                f"Invalid function name for CreateFunction: {req.function_name}"
            )
        if req.package_type != "Zip":
            raise InvalidParameterValueException("Nubis supports PackageType Zip only.")
        runtime, handler = self._check_runtime(req.runtime, req.handler)
        variables = dict(req.environment)
        packages.check_environment(variables)
        if self._functions.get(ref.name) is not None:
            raise ResourceConflictException(f"Function already exist: {ref.name}")
        layers = layer_rules.resolve(self.layers, self.account, req.layers)
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
            architectures=req.architectures or ("x86_64",),
            last_modified=lambda_timestamp(now),
            revision_id=str(uuid.uuid4()),
            tags=dict(req.tags),
            layers=layers,
            snap_start=_snap_start(req.snap_start),
            dead_letter_arn=_dead_letter(req.dead_letter_arn),
        )
        if not self._functions.create(config):  # lost a race with another create
            raise ResourceConflictException(f"Function already exist: {ref.name}")
        if req.publish:
            return self.publish(config)
        return config

    def list(
        self, marker: str | None, max_items: int | None
    ) -> tuple[list[FunctionConfig], str | None]:
        limit = max_items or DEFAULT_PAGE
        page = self._functions.list(marker, limit + 1)
        more = len(page) > limit
        page = page[:limit]
        return page, (page[-1].name if more and page else None)

    def _check_revision(self, config: FunctionConfig, revision_id: str | None) -> None:
        if revision_id is not None and revision_id != config.revision_id:
            raise PreconditionFailedException(MSG_STALE_REVISION)

    async def _replace(self, old: FunctionConfig, new: FunctionConfig) -> FunctionConfig:
        if not self._functions.replace(new, old.revision_id):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self.arn(old.name)}"
            )
        await self._changed(new, new.name)
        return new

    async def update_code(self, req: UpdateCodeRequest) -> FunctionConfig:
        config = self.get(req.function_name)
        self._check_revision(config, req.revision_id)
        if req.code.zip_file is not None:
            packages.check_zip_with_layers(bytes(req.code.zip_file), config.layers)
        if req.dry_run:
            return config
        sha, size = await self._store_code(req.code)
        new = replace(
            config,
            code_sha256=sha,
            code_size=size,
            last_modified=lambda_timestamp(self._clock.time()),
            revision_id=str(uuid.uuid4()),
        )
        new = await self._replace(config, new)
        if req.publish:
            return self.publish(new)
        return new

    async def update_configuration(self, req: UpdateConfigurationRequest) -> FunctionConfig:
        config = self.get(req.function_name)
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
            changes["snap_start"] = _snap_start(req.snap_start)
        if req.dead_letter_arn is not None:
            changes["dead_letter_arn"] = _dead_letter(req.dead_letter_arn)
        if req.layers is not None:
            layers = layer_rules.resolve(self.layers, self.account, req.layers)
            packages.check_unzipped_total(
                sum(layer.unzipped_size for layer in layers)
                + packages.unzipped_size(self._blobs.path(config.code_sha256))
            )
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
        if not self._functions.delete(ref.name):
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        self.versions.store.drop_function(ref.name)
        self.concurrency.drop_function(ref.name)
        await self._changed(None, ref.name)
        for forget in self.on_deleted:
            await forget(ref.name)

    async def _delete_version(self, name: str, version: str) -> None:
        self.latest(name)  # the function must exist
        if not version.isdigit():
            raise InvalidParameterValueException(
                "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias."
            )
        self.versions.check_deletable(name, version)
        # Like Lambda: deleting a version that does not exist (any more) succeeds.
        if self.versions.store.delete_version(name, version):
            self.concurrency.delete_provisioned(name, version)
            self.forget(name)
            latest = self._functions.get(name)
            keep = [spec_key(latest)] if latest else []
            await self._engine.retire(name, None, keep + self.versions.keys(name))

    def set_tags(self, config: FunctionConfig, tags: dict[str, str]) -> None:
        """Replace the function's tags. Tags are not code or configuration: the revision
        stays and so do warm environments."""
        if not self._functions.replace(replace(config, tags=tags), config.revision_id):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self.arn(config.name)}"
            )
        self._specs.pop(config.name, None)

    def account_settings(self) -> dict[str, Any]:
        functions = self._functions.list(None, 1_000_000)
        total = sum(f.code_size for f in functions)
        reserved = sum(self.concurrency.all_reserved().values())
        return {
            "AccountLimit": {
                "TotalCodeSize": limits.CODE_STORAGE_LIMIT_BYTES,
                "CodeSizeUnzipped": limits.UNZIPPED_MAX_BYTES,
                "CodeSizeZipped": limits.ZIPPED_MAX_BYTES,
                "ConcurrentExecutions": self.account.concurrency_limit,
                "UnreservedConcurrentExecutions": self.account.concurrency_limit - reserved,
            },
            "AccountUsage": {"TotalCodeSize": total, "FunctionCount": len(functions)},
        }


def _dead_letter(target_arn: str | None) -> str | None:
    """DeadLetterConfig's target: an SQS queue ARN, or None (an empty TargetArn removes it)."""
    target = target_arn or None
    if target is not None and not target.startswith("arn:aws:sqs:"):
        raise InvalidParameterValueException(
            f"The provided target ARN {target} is invalid: Nubis sends dead letters to SQS queues."
        )
    return target


def _snap_start(apply_on: str | None) -> str:
    """SnapStart.ApplyOn; absent (or SnapStart without it) is "None"."""
    apply_on = apply_on or "None"
    if apply_on not in ("PublishedVersions", "None"):
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{apply_on}' at 'snapStart.applyOn' failed to "
            "satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]"
        )
    return apply_on
