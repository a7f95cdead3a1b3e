"""`nubis serve`: the lifecycle. Settings come in read once (`nubis.cli.flags`); the
parts are built by `nubis.cli.wiring`, in order, then the API listens until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from nubis.api.auth import bootstrap_admin
from nubis.api.gateway import Gateway
from nubis.cli import wiring
from nubis.cli.datalock import DataDirInUse, DataDirLock
from nubis.events.async_invoke import AsyncInvoker
from nubis.http11 import HttpLimits
from nubis.model.clock import SystemClock
from nubis.model.settings import ApiHttpSettings, ServerSettings, is_loopback

log = logging.getLogger("nubis")


class StartupError(Exception):
    """The server cannot start for a reason the user can fix; printed as one line."""


def api_limits(http: ApiHttpSettings) -> HttpLimits:
    return HttpLimits(
        header_timeout_s=http.header_timeout_s,
        body_timeout_s=http.body_timeout_s,
        idle_timeout_s=http.idle_timeout_s,
    )


def _listen_error(settings: ServerSettings, exc: OSError) -> StartupError:
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    return StartupError(f"cannot listen on {settings.host}:{settings.port}: {reason}")


def _check_port(settings: ServerSettings) -> None:
    """Fail in milliseconds, before the slow setup, when the port is taken. The real
    listen later can still lose a race; it reports the same way."""
    infos = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise _listen_error(settings, exc) from None


async def serve(
    settings: ServerSettings,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (then drain: see `_drain`) or until cancelled (then stop
    at once). Everything started here is stopped here, in reverse order, also when
    startup fails half-way. Raises `StartupError` for what the user can fix."""
    clock = SystemClock()
    async with contextlib.AsyncExitStack() as stack:
        # Before any store is opened: a second server must not touch the files at all.
        lock = DataDirLock(settings.data_dir)
        try:
            lock.acquire()
        except DataDirInUse as exc:
            raise StartupError(str(exc)) from None
        stack.callback(lock.release)
        _check_port(settings)
        observe = await wiring.build_observe(settings, stack)
        stores = wiring.build_stores(settings.data_dir, stack)
        engine = await wiring.build_engine(settings, observe, clock, stack)
        control = await wiring.build_control(settings, stores, engine, clock, stack)
        async_invoker = await wiring.build_async_invoker(settings, stores, control, clock, stack)
        if settings.auth_mode == "iam":
            await _bootstrap_admin(settings, control)
        elif not is_loopback(settings.host):
            log.warning(
                "--auth open on %s: anyone who reaches the port can do anything", settings.host
            )
        api = wiring.build_gateway(
            control, stores, observe, stack, clock, auth_mode=settings.auth_mode
        )
        try:
            await api.start(settings.host, settings.port, api_limits(settings.http))
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
                raise
            raise _listen_error(settings, exc) from None

        log.info("runtimes: %s", ", ".join(sorted(engine.runtimes())) or "none")
        log.info(
            "Nubis is serving the Lambda API on %s (data in %s)",
            settings.public_url,
            settings.data_dir,
        )
        if ready is not None:
            ready.set()
        await (stop or asyncio.Event()).wait()
        await _drain(settings.drain_timeout_s, api, async_invoker)


async def _bootstrap_admin(settings: ServerSettings, control: wiring.Control) -> None:
    """The first start in iam mode creates the administrator and says where its
    credentials are (never the secret)."""
    written = await bootstrap_admin(control.iam, settings.data_dir)
    if written is not None:
        log.warning(
            "auth iam: created the administrator 'admin'; its access key is in %s "
            "(AWS_SHARED_CREDENTIALS_FILE=%s, or nubis --data-dir %s)",
            written,
            written,
            settings.data_dir,
        )


async def _drain(timeout_s: float, api: Gateway, async_invoker: AsyncInvoker) -> None:
    """Stop accepting, let requests being handled (sync invokes) and running async
    events finish within `timeout_s`. Async events cut off then stay leased in the
    durable queue and run again after the next start (leases are released at start-up:
    at-least-once, as Lambda's async invocation)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    log.info("stopping: draining in-flight requests for up to %g s", timeout_s)
    await api.close(grace=timeout_s)
    try:
        await asyncio.wait_for(async_invoker.close(), max(0.0, deadline - loop.time()))
    except TimeoutError:
        log.warning("async events still running after the drain: they run after restart")


def run_server(settings: ServerSettings) -> int:
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        stop = asyncio.Event()

        def on_signal() -> None:
            # The first signal drains; a second one stops at once.
            if stop.is_set():
                task.cancel()
            stop.set()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        with contextlib.suppress(asyncio.CancelledError):
            await serve(settings, stop=stop)
        log.info("Nubis stopped")

    try:
        _run_loop(main)
    except StartupError as exc:
        print(f"nubis: {exc}", file=sys.stderr)
        return 1
    return 0


def _run_loop(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is optional off Linux
        asyncio.run(main())
    else:
        uvloop.run(main())
