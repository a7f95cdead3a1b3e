"""`nubis serve`: read settings once, wire the parts together, run until a signal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from nubis.api.gateway import Gateway
from nubis.api.services.lambda_ import lambda_service
from nubis.api.services.lambda_.async_ops import AsyncOperations
from nubis.api.services.lambda_.ops import LambdaOperations
from nubis.api.services.lambda_.version_ops import VersionOperations
from nubis.api.services.nubis import nubis_service
from nubis.api.services.sqs import sqs_service
from nubis.cli.datalock import DataDirInUse, DataDirLock
from nubis.control.aliases import AliasService
from nubis.control.async_config import EventInvokeConfigs
from nubis.control.concurrency import ConcurrencyService
from nubis.control.functions import Account, FunctionService
from nubis.control.invoke import Invoker
from nubis.control.layers import LayerService
from nubis.control.queues import QueueService
from nubis.control.tags import TagService
from nubis.engine.local import LocalEngine
from nubis.events.async_invoke import AsyncInvoker
from nubis.events.destinations import Destinations
from nubis.http11 import HttpLimits
from nubis.model.async_config import AsyncSettings
from nubis.model.clock import SystemClock
from nubis.model.settings import ApiHttpSettings, EngineSettings, LogSettings, ServerSettings
from nubis.observe.files import FileLogSink
from nubis.observe.log_records import LogSinkRecords
from nubis.observe.recorder import QueueRecorder
from nubis.sandbox import detect
from nubis.store.blobs import FileBlobStore
from nubis.store.sqlite import (
    SqliteConcurrencyStore,
    SqliteEventStore,
    SqliteFunctionStore,
    SqliteLayerStore,
    SqliteQueueStore,
    SqliteVersionStore,
)

log = logging.getLogger("nubis")


class StartupError(Exception):
    """The server cannot start for a reason the user can fix; printed as one line."""


def settings_from(args: argparse.Namespace) -> ServerSettings:
    return ServerSettings(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir).resolve(),
        region=args.region,
        account_id=args.account_id,
        account_concurrency=args.account_concurrency,
        engine=EngineSettings(
            idle_timeout_s=args.idle_timeout,
            max_environments=args.max_environments,
            blank_environments=args.blank_environments,
            isolation=args.isolation,
            logs=LogSettings(
                rate_bytes_s=int(args.log_rate_mb * 1024 * 1024),
                burst_bytes=int(args.log_burst_mb * 1024 * 1024),
                group_max_bytes=int(args.log_group_max_mb * 1024 * 1024),
                total_max_bytes=int(args.log_total_max_mb * 1024 * 1024),
                retention_days=args.log_retention_days,
            ),
        ),
        drain_timeout_s=args.drain_timeout,
        http=ApiHttpSettings(
            header_timeout_s=args.http_header_timeout,
            body_timeout_s=args.http_body_timeout,
            idle_timeout_s=args.http_idle_timeout,
        ),
    )


def async_settings_from(args: argparse.Namespace) -> AsyncSettings:
    delays = tuple(float(d) for d in str(args.async_retry_delays).split(",") if d.strip())
    if not delays or any(d < 0 for d in delays):
        raise SystemExit("--async-retry-delays: comma-separated seconds, e.g. 60,120")
    return AsyncSettings(
        retry_delays_s=delays,
        backoff_base_s=min(1.0, delays[0]) if delays[0] > 0 else 0.1,
        concurrency=args.async_concurrency,
    )


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
    async_settings: AsyncSettings | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (then drain: see `_drain`) or until cancelled (then stop
    at once). Everything started here is stopped here, in reverse order, also when
    startup fails half-way. Raises `StartupError` for what the user can fix."""
    clock = SystemClock()
    data = settings.data_dir
    async with contextlib.AsyncExitStack() as stack:
        # Before any store is opened: a second server must not touch the files at all.
        lock = DataDirLock(data)
        try:
            lock.acquire()
        except DataDirInUse as exc:
            raise StartupError(str(exc)) from None
        stack.callback(lock.release)
        _check_port(settings)
        logs = FileLogSink(data / "logs", settings.engine.logs)
        stack.callback(logs.close)
        # Typed records (invocation reports, throttles, environments, API calls): closed
        # after every part that records, so what they recorded last is handed over.
        recorder = QueueRecorder()
        recorder.subscribe(LogSinkRecords(logs))  # a stopped environment's stream is done
        await recorder.start()
        stack.push_async_callback(recorder.close)
        functions_db = SqliteFunctionStore(data / "nubis.db")
        stack.callback(functions_db.close)
        versions_db = SqliteVersionStore(data / "nubis.db")
        stack.callback(versions_db.close)
        concurrency_db = SqliteConcurrencyStore(data / "nubis.db")
        stack.callback(concurrency_db.close)
        layers_db = SqliteLayerStore(data / "nubis.db")
        stack.callback(layers_db.close)
        blobs = FileBlobStore(data / "code")
        # Accepted events and queue messages: each in its own fsync'd SQLite file.
        events_db = SqliteEventStore(data / "events.db")
        stack.callback(events_db.close)
        queue_store = SqliteQueueStore(data / "queues.db")
        stack.callback(queue_store.close)

        # Blocking setup (a sweep of what a crashed predecessor left, a bridge, pools).
        sandbox = await asyncio.to_thread(
            detect.choose, settings.engine.isolation, api_port=settings.port
        )
        stack.callback(sandbox.close)
        engine = LocalEngine(
            settings.engine,
            logs,
            clock,
            sandbox=sandbox,
            region=settings.region,
            api_endpoint=settings.public_url,
            recorder=recorder,
        )
        stack.push_async_callback(engine.close)
        await engine.start()

        account = Account(settings.region, settings.account_id, settings.account_concurrency)
        functions = FunctionService(
            account,
            functions_db,
            blobs,
            engine,
            clock,
            versions=versions_db,
            concurrency=concurrency_db,
            layers=layers_db,
        )
        concurrency = ConcurrencyService(functions, engine, clock)
        stack.push_async_callback(concurrency.close)
        await concurrency.start()
        invoker = Invoker(functions, engine, events_db, clock)
        queues = QueueService(queue_store, clock, settings.region, settings.account_id)
        operations = LambdaOperations(functions, invoker)
        operations.handlers.update(
            VersionOperations(
                functions,
                AliasService(functions, concurrency),
                concurrency,
                LayerService(account, layers_db, blobs, clock),
                TagService(functions),
            ).handlers
        )
        event_configs = EventInvokeConfigs(functions, events_db, clock)
        operations.handlers.update(AsyncOperations(event_configs).handlers)
        functions.on_deleted.append(event_configs.forget_function)
        async_invoker = AsyncInvoker(
            events_db,
            invoker,
            event_configs,
            Destinations(queues, invoker),
            clock,
            async_settings,
        )
        invoker.on_enqueued = async_invoker.wake
        await async_invoker.start()
        stack.push_async_callback(async_invoker.close)

        lambda_ = lambda_service(functions, operations.handlers)
        api = Gateway(
            [
                lambda_,
                sqs_service(queues),
                nubis_service(functions, logs, blobs.path, errors=lambda_.codec),
            ],
            recorder=recorder,
        )
        stack.push_async_callback(api.close)
        try:
            await api.start(settings.host, settings.port, api_limits(settings.http))
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
                raise
            raise _listen_error(settings, exc) from None

        log.info("runtimes: %s", ", ".join(sorted(engine.runtimes())) or "none")
        log.info("Nubis is serving the Lambda API on %s (data in %s)", settings.public_url, data)
        if ready is not None:
            ready.set()
        await (stop or asyncio.Event()).wait()
        await _drain(settings.drain_timeout_s, api, async_invoker)


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


def run_server(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = settings_from(args)
    async_settings = async_settings_from(args)

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
            await serve(settings, async_settings=async_settings, stop=stop)
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
