"""Concurrency controls: reserved concurrency per function, provisioned concurrency per
version or alias.

Reserved concurrency is stored here and enforced by the engine (every `FunctionSpec`
carries it; `FunctionService.forget` makes the next invocation pick up a change). The
account's limit, every reservation and the provisioned counts are handed to the engine's
admission (`_sync_admission`) at start and after every change: it derives the unreserved
pool from them and throttles functions without a reservation against it.
Provisioned concurrency is stored here and carried out by `Engine.provision`; its progress
(`IN_PROGRESS` → `READY`, or `FAILED` with a reason) lives in this object only, and
`start()` provisions every stored configuration again after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from nubis.control.functions import FunctionService, lambda_timestamp
from nubis.engine.base import Engine
from nubis.model import limits
from nubis.model.clock import Clock
from nubis.model.errors import (
    InvalidParameterValueException,
    ProvisionedConcurrencyConfigNotFoundException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.function import LATEST, FunctionSpec
from nubis.model.versions import (
    PROVISIONED_FAILED,
    PROVISIONED_IN_PROGRESS,
    PROVISIONED_READY,
    ProvisionedConfig,
    ProvisionedStatus,
)

log = logging.getLogger(__name__)

MSG_NO_PROVISIONED = "No Provisioned Concurrency Config found for this function"
MSG_NOT_PUBLISHED = (
    "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
)
MSG_ALIAS_OR_VERSION = "The function resource provided must be an alias or a published version."
MSG_ALIAS_ON_PROVISIONED_VERSION = (
    "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned "
    "version"
)
MSG_VERSION_UNDER_PROVISIONED_ALIAS = "Version is pointed by a Provisioned Concurrency alias"
MSG_UNQUALIFIED_ONLY = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not "
    "support this operation. Please specify either a function name or an unqualified "
    "function ARN."
)
MSG_PROVISIONED_OVER_RESERVED = (
    "Requested Provisioned Concurrency should not be greater than the "
    "reservedConcurrentExecution for function"
)


@dataclass
class _Progress:
    status: str = PROVISIONED_IN_PROGRESS
    reason: str | None = None


class ConcurrencyService:
    def __init__(self, functions: FunctionService, engine: Engine, clock: Clock) -> None:
        self._functions = functions
        self._store = functions.concurrency
        self._engine = engine
        self._clock = clock
        # Not caches of the store but this process's own state. `_progress`: per (name,
        # qualifier), how provisioning it went here; set when a config is put, dropped
        # when it is deleted, rebuilt by `start()` after a restart. `_keys`: per name, the
        # specs this process asked the engine to keep provisioned (so that a change can
        # set the ones no longer wanted to 0); replaced by every `apply`. On many nodes
        # each node would hold its own (the environments are its own); a status read
        # through another node would show that node's progress, so a shared store
        # would have to record progress per node (issue 13).
        self._progress: dict[tuple[str, str], _Progress] = {}
        self._keys: dict[str, dict[str, FunctionSpec]] = {}  # name -> provisioned specs
        self._tasks: set[asyncio.Task[None]] = set()
        # The account's limits are checked against what is stored, then written: puts
        # take turns so that two cannot pass the check together. (Several nodes would
        # need the store to check and write in one transaction.)
        self._limits = asyncio.Lock()
        functions.subscribe_deleted(self._function_deleted)

    async def start(self) -> None:
        """Provision again what was configured before a restart."""
        await self._sync_admission()
        for name in sorted({c.function_name for c in await self._store.list_provisioned()}):
            try:
                await self.apply(name)
            except Exception:
                log.exception("provisioned concurrency of %s not restored", name)

    async def _function_deleted(self, name: str) -> None:
        # Its reservation and provisioned share return to the unreserved pool.
        self._keys.pop(name, None)
        await self._sync_admission()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ----------------------------------------------------------------- reserved
    async def _name(self, text: str) -> str:
        """The name of an existing function (ResourceNotFoundException otherwise); a
        qualified ARN is refused as Lambda refuses it for function-level operations."""
        ref = self._functions.parse_ref(text)
        if ref.qualifier is not None:
            raise InvalidParameterValueException(MSG_UNQUALIFIED_ONLY)
        return (await self._functions.latest(ref.name)).name

    async def put_reserved(self, text: str, value: int) -> int:
        name = await self._name(text)
        async with self._limits:
            others = sum(v for n, v in (await self._store.all_reserved()).items() if n != name)
            if self._functions.account.concurrency_limit - others - value < limits.UNRESERVED_MIN:
                raise InvalidParameterValueException(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of "
                    f"[{limits.UNRESERVED_MIN}]."
                )
            await self._store.set_reserved(name, value)
        self._functions.forget(name)
        await self._sync_admission()
        return value

    async def get_reserved(self, text: str) -> int | None:
        return await self._store.reserved(await self._name(text))

    async def delete_reserved(self, text: str) -> None:
        name = await self._name(text)
        await self._store.set_reserved(name, None)
        self._functions.forget(name)
        await self._sync_admission()

    async def _sync_admission(self) -> None:
        provisioned: dict[str, int] = {}
        for config in await self._store.list_provisioned():
            name = config.function_name
            provisioned[name] = provisioned.get(name, 0) + config.requested
        self._engine.admission.set_limits(
            self._functions.account.concurrency_limit, await self._store.all_reserved(), provisioned
        )

    async def _check_provisioned(self, name: str, qualifier: str, count: int) -> None:
        """Provisioned concurrency comes out of the function's reservation, or else out of
        the account's unreserved pool, which keeps its minimum (as Lambda checks it)."""
        others = sum(
            c.requested
            for c in await self._store.list_provisioned(name)
            if c.qualifier != qualifier
        )
        reserved_by = await self._store.all_reserved()
        reserved = reserved_by.get(name)
        if reserved is not None:
            if others + count > reserved:
                raise InvalidParameterValueException(MSG_PROVISIONED_OVER_RESERVED)
            return
        unreserved = self._functions.account.concurrency_limit - sum(reserved_by.values())
        unreserved -= sum(
            c.requested
            for c in await self._store.list_provisioned()
            if c.function_name != name and c.function_name not in reserved_by
        )
        if unreserved - others - count < limits.UNRESERVED_MIN:
            raise InvalidParameterValueException(
                "Specified ConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of "
                f"[{limits.UNRESERVED_MIN}]."
            )

    # ----------------------------------------------------------------- provisioned
    async def _target(
        self, text: str, qualifier: str, unpublished: str = MSG_NOT_PUBLISHED
    ) -> tuple[str, str]:
        """The function and the alias or version named; `unpublished` is the message for
        `$LATEST` (Put's differs from Get's and Delete's)."""
        ref = self._functions.parse_ref(text, qualifier)
        name = (await self._functions.latest(ref.name)).name
        q = ref.qualifier
        if q in (None, LATEST):
            raise InvalidParameterValueException(unpublished)
        assert q is not None
        # ResourceNotFoundException for an unknown one; an alias may point to $LATEST.
        if (await self._functions.get(name, q)).version == LATEST:
            raise InvalidParameterValueException(unpublished)
        return name, q

    async def _check_overlap(self, name: str, qualifier: str) -> None:
        """An alias and the version it points to cannot both have a configuration."""
        configured = {c.qualifier for c in await self._store.list_provisioned(name)}
        aliases = {a.name: a for a in await self._functions.versions.store.list_aliases(name)}
        alias = aliases.get(qualifier)
        if alias is not None:
            if alias.function_version in configured:
                raise ResourceConflictException(MSG_ALIAS_ON_PROVISIONED_VERSION)
            return
        if any(a.function_version == qualifier and a.name in configured for a in aliases.values()):
            raise ResourceConflictException(MSG_VERSION_UNDER_PROVISIONED_ALIAS)

    async def put_provisioned(self, text: str, qualifier: str, count: int) -> ProvisionedStatus:
        name, q = await self._target(text, qualifier)
        async with self._limits:
            await self._check_overlap(name, q)
            await self._check_provisioned(name, q, count)
            config = ProvisionedConfig(name, q, count, lambda_timestamp(self._clock.time()))
            await self._store.put_provisioned(config)
        self._progress[(name, q)] = _Progress()
        await self.apply(name)
        return self._status(config)

    async def get_provisioned(self, text: str, qualifier: str) -> ProvisionedStatus:
        name, q = await self._target(text, qualifier, MSG_ALIAS_OR_VERSION)
        config = await self._store.provisioned(name, q)
        if config is None:
            raise ProvisionedConcurrencyConfigNotFoundException(MSG_NO_PROVISIONED)
        return self._status(config)

    async def list_provisioned(self, text: str) -> list[ProvisionedStatus]:
        name = await self._name(text)
        return [self._status(c) for c in await self._store.list_provisioned(name)]

    async def delete_provisioned(self, text: str, qualifier: str) -> None:
        name, q = await self._target(text, qualifier, MSG_ALIAS_OR_VERSION)
        # Like Lambda: deleting a configuration that does not exist succeeds (204).
        if not await self._store.delete_provisioned(name, q):
            return
        self._progress.pop((name, q), None)
        await self.apply(name)

    def _status(self, config: ProvisionedConfig) -> ProvisionedStatus:
        progress = self._progress.get((config.function_name, config.qualifier), _Progress())
        return ProvisionedStatus(config, progress.status, progress.reason)

    async def apply(self, name: str) -> None:
        """Make the engine's provisioned environments of the function match its stored
        configurations (an alias's count goes to the version it points to; two configs
        on the same version add up). Returns once the engine has the new targets; the
        environments start in the background."""
        targets: dict[str, tuple[FunctionSpec, int, list[str]]] = {}
        for config in await self._store.list_provisioned(name):
            try:
                version = (await self._functions.get(name, config.qualifier)).version
            except ResourceNotFoundException:  # its version or alias is gone
                await self._store.delete_provisioned(name, config.qualifier)
                continue
            _, spec = await self._functions.spec(name, version)
            _, count, qualifiers = targets.get(spec.key, (spec, 0, []))
            targets[spec.key] = (spec, count + config.requested, [*qualifiers, config.qualifier])
        for key, spec in self._keys.get(name, {}).items():
            if key not in targets:
                await self._engine.provision(spec, 0)
        self._keys[name] = {key: spec for key, (spec, _, _) in targets.items()}
        await self._sync_admission()
        for spec, count, qualifiers in targets.values():
            for q in qualifiers:
                self._progress.setdefault((name, q), _Progress())
            task = asyncio.create_task(self._provision(name, spec, count, qualifiers))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _provision(
        self, name: str, spec: FunctionSpec, count: int, qualifiers: list[str]
    ) -> None:
        try:
            await self._engine.provision(spec, count)
        except Exception as exc:
            log.warning("provisioning %s of %s failed: %s", count, spec.key, exc)
            outcome = _Progress(PROVISIONED_FAILED, f"FUNCTION_ERROR_INIT_FAILURE: {exc}")
        else:
            outcome = _Progress(PROVISIONED_READY)
        for q in qualifiers:
            if (name, q) in self._progress:
                self._progress[(name, q)] = outcome
