"""SnapStart's side of the engine: making snapshots, restoring environments from them.

`nubis.engine.snapstart` says what a snapshot is and keeps one per version
(`Snapshots`); this module starts them and their copies in the engine's pool through
the `Host` (nubis/engine/host.py), so that each is counted, retired and destroyed like
any environment. A version whose restores fail (a kernel that refuses unprivileged user
namespaces: `nubis doctor`) gives up SnapStart: its cold starts are ordinary from then on.
"""

from __future__ import annotations

import logging

from nubis.engine import runtime_api_constants as C
from nubis.engine.environment import Environment
from nubis.engine.host import Host
from nubis.engine.options import LaunchOptions
from nubis.engine.snapstart import Snapshot, Snapshots
from nubis.model.errors import ServiceException
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult

log = logging.getLogger(__name__)

_SNAPSHOT = LaunchOptions(initialization_type=C.INITIALIZATION_SNAP_START)


class SnapStart:
    def __init__(self, host: Host) -> None:
        self._host = host
        self._snapshots = Snapshots(self._make_snapshot, self._restore_spare)

    def prepare(self, spec: FunctionSpec) -> None:
        self._snapshots.prepare(spec)

    def ready(self, spec: FunctionSpec) -> int:
        """1 if the version's snapshot is ready to fork from (for tests, stats)."""
        return self._snapshots.count(spec)

    def taken(self, spec: FunctionSpec, env: Environment | None) -> None:
        """An invocation of `spec` found `env` idle (or none): a spare was used or
        missed, so one restored environment is made ready again."""
        if env is None or env.spare:
            self._snapshots.refill(spec)

    def stale(self, now: float, limit_s: float) -> list[Environment]:
        return self._snapshots.stale(now, limit_s)

    def forget(self, env: Environment) -> None:
        self._snapshots.forget(env)

    async def close(self) -> None:
        await self._snapshots.close()

    async def _make_snapshot(self, spec: FunctionSpec) -> Snapshot | None:
        """Launch the version's snapshot environment and wait until it is ready."""
        host = self._host
        zygote = host.zygote_for(spec.runtime)
        if (
            zygote is None
            or not host.forks_itself(spec.runtime)  # a Python runtime: it forks itself
            or host.closed
            or len(host.pool) >= host.settings.max_environments
        ):
            return None
        env = host.starting(spec)
        snapshot = Snapshot(env)
        try:
            await host.launch(env, zygote, _SNAPSHOT, snapshot.theirs)
            ready = await snapshot.wait_ready()
        except Exception as e:
            log.warning("SnapStart snapshot of %s not made: %s", spec.key, e)
            snapshot.close()
            await host.discard(env)
            return None
        finally:
            snapshot.theirs.close()  # the snapshot has its own copy
        if not ready or env.discarded:
            # Its init error is in its log stream; cold starts of the version are then
            # ordinary ones, and report it themselves.
            snapshot.close()
            await host.discard(env)
            return None
        host.sandbox.initialized(env.env_id)
        env.freeze_soon()
        env.initialised()  # no longer held: its death or a retire discards it
        return snapshot

    async def restore(
        self, spec: FunctionSpec, request: InvokeRequest
    ) -> tuple[Environment | None, InvokeResult | None]:
        """A cold start of a SnapStart version: a copy of its snapshot, or (None, None)."""
        host = self._host
        snapshot = self._snapshots.get(spec)
        if snapshot is None:
            return None, None
        snapshot.env.last_used = host.clock.monotonic()
        await host.make_room(spec)
        env = host.starting(spec)
        try:
            await env.launch_restored(snapshot, host.sandbox)
            failed = await env.initialize(request.request_id)
        except ServiceException as e:
            await host.discard(env)
            if host.closed:
                raise
            log.error("SnapStart restore of %s failed, not tried again: %s", spec.key, e)
            gone = self._snapshots.give_up(spec)
            if gone is not None:
                await host.discard(gone)
            return None, None
        except BaseException:
            await host.discard(env)
            raise
        return env, failed

    async def _restore_spare(self, spec: FunctionSpec) -> None:
        """Restore one environment of `spec` ahead of time, into the idle pool, unless
        one is there already (the next cold start of the version then only thaws it)."""
        host = self._host
        if any(e.spare and e.spec.key == spec.key for e in host.pool.idle()):
            return
        snapshot = self._snapshots.get(spec)
        if snapshot is None or host.closed:
            return
        if len(host.pool) >= host.settings.max_environments:
            return  # a spare never evicts anything
        env = host.starting(spec)
        try:
            await env.launch_restored(snapshot, host.sandbox)
            failed = await env.initialize(f"snapstart-{env.env_id}")
        except Exception as e:
            log.warning("SnapStart environment of %s not restored ahead: %s", spec.key, e)
            await host.discard(env)
            return
        if failed is not None:
            await host.discard(env)
            return
        env.spare = True
        host.release(env)
