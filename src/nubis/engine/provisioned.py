"""Provisioned concurrency on one host: environments initialised ahead of time.

Provisioned environments are ordinary pool members (`nubis.engine.host`) whose ids this
class remembers: the reaper and the cap's eviction skip them (`is_provisioned`).
`_targets` says how many each spec key should have; `refill` (the reaper's loop) starts
replacements for any that died. The contract is `Engine.provision`'s (engine/base.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from nubis.engine import runtime_api_constants as C
from nubis.engine.environment import Environment
from nubis.engine.host import Host
from nubis.engine.options import LaunchOptions
from nubis.engine.zygote import Zygote
from nubis.model.errors import (
    REASON_ACCOUNT_LIMIT,
    InvalidParameterValueException,
    ServiceException,
    TooManyRequestsException,
)
from nubis.model.function import FunctionSpec

log = logging.getLogger(__name__)

_OPTIONS = LaunchOptions(initialization_type=C.INITIALIZATION_PROVISIONED)


class Provisioned:
    def __init__(self, host: Host) -> None:
        self._host = host
        self._targets: dict[str, tuple[FunctionSpec, int]] = {}  # key -> provisioned count
        self._ids: set[str] = set()  # env ids of provisioned environments

    def is_provisioned(self, env: Environment) -> bool:
        return env.env_id in self._ids

    def forget(self, env: Environment) -> None:
        """`env` is being destroyed (the target, if any, stays: `refill` replaces it)."""
        self._ids.discard(env.env_id)

    def retire(self, doomed: Callable[[FunctionSpec], bool]) -> None:
        """Stop provisioning every key whose spec is `doomed`."""
        for key in [k for k, (spec, _) in self._targets.items() if doomed(spec)]:
            del self._targets[key]

    async def provision(self, spec: FunctionSpec, count: int) -> None:
        if count <= 0:
            self._targets.pop(spec.key, None)
            for env in self._host.pool:
                if env.spec.key == spec.key:
                    self._ids.discard(env.env_id)  # on-demand from now on
            return
        self._targets[spec.key] = (spec, count)
        await self._fill(spec.key)

    async def refill(self) -> None:
        """Replace provisioned environments that died (the reaper calls this)."""
        for key in list(self._targets):
            if key in self._targets:
                try:
                    await self._fill(key)
                except Exception as exc:
                    log.warning("provisioned environments of %s not replaced: %s", key, exc)

    async def _fill(self, key: str) -> None:
        """Start the provisioned environments `key` lacks; return when they are ready."""
        host = self._host
        spec, count = self._targets[key]
        zygote = host.zygote_for(spec.runtime)
        if zygote is None:
            raise InvalidParameterValueException(
                f"The runtime parameter of {spec.runtime} is not supported by this host."
            )
        mine = [e for e in host.pool if e.spec.key == key and e.env_id in self._ids]
        missing = count - len(mine)
        if missing < 0:  # fewer wanted: the surplus (idle ones first) becomes on-demand
            mine.sort(key=lambda e: not host.pool.is_idle(e))
            for env in mine[:-missing]:
                self._ids.discard(env.env_id)
            return
        room = host.settings.max_environments - len(host.pool)
        if missing > room:
            raise TooManyRequestsException(
                f"Not enough room for {missing} provisioned environments on this host "
                f"(max_environments {host.settings.max_environments}).",
                Reason=REASON_ACCOUNT_LIMIT,
            )
        # Created and counted synchronously, before any await, so that two fills of the
        # same key (a put and the reaper's refill) cannot both start the missing ones.
        fresh = []
        for _ in range(missing):
            env = host.starting(spec)
            self._ids.add(env.env_id)
            fresh.append(env)
        results = await asyncio.gather(
            *(self._start(env, zygote) for env in fresh), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _start(self, env: Environment, zygote: Zygote) -> None:
        host = self._host
        try:
            await host.launch(env, zygote, _OPTIONS)
            failed_init = await env.initialize(f"provisioned-{env.env_id}")
        except BaseException:
            await host.discard(env)
            raise
        if failed_init is not None:
            await host.discard(env)
            raise ServiceException(
                "A provisioned environment failed to initialize: "
                + failed_init.payload.decode(errors="replace")
            )
        env.init_duration_ms = None  # its init was ahead of time: no Init Duration
        host.release(env)
