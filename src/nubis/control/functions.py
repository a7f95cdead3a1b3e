"""Functions: create, read, update, delete, and the resolution of a name to what runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nubis.control import packages
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
from nubis.store.base import BlobStore, FunctionStore

DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Principal:
    """Who is calling. Filled from the request's credentials; authorization comes later."""

    access_key: str | None = None


@dataclass(frozen=True)
class Account:
    region: str
    account_id: str


def lambda_timestamp(epoch: float) -> str:
    """Lambda's LastModified format: 2024-01-31T12:00:00.000+0000."""
    ms = int(epoch * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{ms:03d}+0000"


class FunctionService:
    """The rules for functions. Every method validates its input, whatever the client did.

    Invariant: `_specs` holds, per function name, the FunctionSpec of its current revision;
    it is dropped whenever the stored function changes, and the engine is told to retire
    environments of other revisions in the same step, so no invocation that starts after
    an update returns runs old code or configuration.
    """

    def __init__(
        self,
        account: Account,
        functions: FunctionStore,
        blobs: BlobStore,
        engine: Engine,
        clock: Clock,
    ) -> None:
        self.account = account
        self._functions = functions
        self._blobs = blobs
        self._engine = engine
        self._clock = clock
        self._specs: dict[str, tuple[FunctionConfig, FunctionSpec]] = {}

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

    def get(self, text: str, qualifier: str | None = None) -> FunctionConfig:
        ref = self.parse_ref(text, qualifier)
        cached = self._specs.get(ref.name)
        config = cached[0] if cached else self._functions.get(ref.name)
        if config is None:
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        if ref.qualifier not in (None, LATEST):
            # Versions and aliases arrive with their own issue; until then only $LATEST.
            raise ResourceNotFoundException(
                f"Function not found: {self.arn(ref.name, ref.qualifier)}"
            )
        return config

    def spec(self, text: str, qualifier: str | None = None) -> tuple[FunctionConfig, FunctionSpec]:
        """What the engine runs for this reference. Cached: this is on every invoke."""
        ref = parse_function_ref(text)
        if ref is not None and ref.account is None and qualifier in (None, LATEST):
            cached = self._specs.get(ref.name)
            if cached is not None and ref.qualifier in (None, LATEST):
                return cached
        config = self.get(text, qualifier)
        spec = FunctionSpec(
            key=f"{config.name}@{config.revision_id}",
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
        )
        self._specs[config.name] = (config, spec)
        return config, spec

    async def _changed(self, config: FunctionConfig | None, name: str) -> None:
        self._specs.pop(name, None)
        keep = f"{config.name}@{config.revision_id}" if config else None
        await self._engine.retire(name, keep)

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

    async def _store_code(self, code: Mapping[str, Any]) -> tuple[str, int]:
        zip_file = code.get("ZipFile")
        if zip_file is None:
            other = ", ".join(k for k in code if k != "ZipFile") or "nothing"
            raise InvalidParameterValueException(
                f"Nubis accepts code as ZipFile only (got {other}); upload the zip directly."
            )
        data = bytes(zip_file)
        packages.check_zip(data)
        # Hashing, writing and unpacking up to 250 MB would stall the event loop.
        sha = await asyncio.to_thread(self._blobs.put, data)
        await asyncio.to_thread(self._blobs.unpacked, sha)
        return sha, len(data)

    # ----------------------------------------------------------------- operations
    async def create(self, params: Mapping[str, Any], principal: Principal) -> FunctionConfig:
        ref = parse_function_ref(params["FunctionName"])
        if ref is None or ref.qualifier is not None:
            raise InvalidParameterValueException(
                f"Invalid function name for CreateFunction: {params['FunctionName']}"
            )
        if params.get("PackageType", "Zip") != "Zip":
            raise InvalidParameterValueException("Nubis supports PackageType Zip only.")
        runtime, handler = self._check_runtime(params.get("Runtime"), params.get("Handler"))
        variables = dict((params.get("Environment") or {}).get("Variables") or {})
        packages.check_environment(variables)
        if self._functions.get(ref.name) is not None:
            raise ResourceConflictException(f"Function already exist: {ref.name}")
        sha, size = await self._store_code(params["Code"])
        now = self._clock.time()
        config = FunctionConfig(
            name=ref.name,
            runtime=runtime,
            handler=handler,
            role=params["Role"],
            code_sha256=sha,
            code_size=size,
            memory_size=params.get("MemorySize") or limits.DEFAULT_MEMORY_MB,
            timeout=params.get("Timeout") or limits.DEFAULT_TIMEOUT_S,
            ephemeral_storage=(params.get("EphemeralStorage") or {}).get(
                "Size", limits.DEFAULT_EPHEMERAL_MB
            ),
            environment=variables,
            description=params.get("Description") or "",
            architectures=tuple(params.get("Architectures") or ("x86_64",)),
            last_modified=lambda_timestamp(now),
            revision_id=str(uuid.uuid4()),
            tags=dict(params.get("Tags") or {}),
        )
        if not self._functions.create(config):  # lost a race with another create
            raise ResourceConflictException(f"Function already exist: {ref.name}")
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
            raise PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetFunction/GetAlias API to retrieve the latest Revision Id"
            )

    async def _replace(self, old: FunctionConfig, new: FunctionConfig) -> FunctionConfig:
        if not self._functions.replace(new, old.revision_id):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self.arn(old.name)}"
            )
        await self._changed(new, new.name)
        return new

    async def update_code(self, params: Mapping[str, Any]) -> FunctionConfig:
        config = self.get(params["FunctionName"])
        self._check_revision(config, params.get("RevisionId"))
        if params.get("Publish"):
            raise InvalidParameterValueException(
                "Publish is not supported yet: Nubis runs $LATEST only (versions are coming)."
            )
        code = {k: v for k, v in params.items() if k in ("ZipFile", "S3Bucket", "ImageUri")}
        if params.get("DryRun"):
            if code.get("ZipFile") is not None:
                packages.check_zip(bytes(code["ZipFile"]))
            return config
        sha, size = await self._store_code(code)
        new = replace(
            config,
            code_sha256=sha,
            code_size=size,
            last_modified=lambda_timestamp(self._clock.time()),
            revision_id=str(uuid.uuid4()),
        )
        return await self._replace(config, new)

    async def update_configuration(self, params: Mapping[str, Any]) -> FunctionConfig:
        config = self.get(params["FunctionName"])
        self._check_revision(config, params.get("RevisionId"))
        runtime, handler = self._check_runtime(
            params.get("Runtime") or config.runtime, params.get("Handler") or config.handler
        )
        changes: dict[str, Any] = {"runtime": runtime, "handler": handler}
        if "Environment" in params:
            variables = dict((params["Environment"] or {}).get("Variables") or {})
            packages.check_environment(variables)
            changes["environment"] = variables
        for member, attr in (
            ("MemorySize", "memory_size"),
            ("Timeout", "timeout"),
            ("Role", "role"),
            ("Description", "description"),
        ):
            if params.get(member) is not None:
                changes[attr] = params[member]
        if params.get("EphemeralStorage"):
            changes["ephemeral_storage"] = params["EphemeralStorage"]["Size"]
        new = replace(
            config,
            **changes,
            last_modified=lambda_timestamp(self._clock.time()),
            revision_id=str(uuid.uuid4()),
        )
        return await self._replace(config, new)

    async def delete(self, text: str, qualifier: str | None) -> None:
        ref = self.parse_ref(text, qualifier)
        if ref.qualifier not in (None, LATEST):
            self.get(text, qualifier)  # raises: no versions yet
        if ref.qualifier == LATEST:
            raise InvalidParameterValueException(
                "$LATEST version cannot be deleted without deleting the function."
            )
        if not self._functions.delete(ref.name):
            raise ResourceNotFoundException(f"Function not found: {self.arn(ref.name)}")
        await self._changed(None, ref.name)

    def account_settings(self) -> dict[str, Any]:
        functions = self._functions.list(None, 1_000_000)
        total = sum(f.code_size for f in functions)
        return {
            "AccountLimit": {
                "TotalCodeSize": limits.CODE_STORAGE_LIMIT_BYTES,
                "CodeSizeUnzipped": limits.UNZIPPED_MAX_BYTES,
                "CodeSizeZipped": limits.ZIPPED_MAX_BYTES,
                "ConcurrentExecutions": limits.ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": limits.ACCOUNT_CONCURRENCY,
            },
            "AccountUsage": {"TotalCodeSize": total, "FunctionCount": len(functions)},
        }
