"""`nubis serve`: read settings once, wire the parts together, run until a signal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from nubis.api.app import LambdaApi
from nubis.api.lambda_async_ops import AsyncOperations
from nubis.api.lambda_ops import LambdaOperations
from nubis.api.lambda_version_ops import VersionOperations
from nubis.api.sqs import SqsApi
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
from nubis.model.async_config import AsyncSettings
from nubis.model.clock import SystemClock
from nubis.model.settings import EngineSettings, ServerSettings
from nubis.observe.files import FileLogSink
from nubis.sandbox import detect
from nubis.store.blobs import FileBlobStore
from nubis.store.sqlite import SqliteFunctionStore
from nubis.store.sqlite_concurrency import SqliteConcurrencyStore
from nubis.store.sqlite_events import SqliteEventStore
from nubis.store.sqlite_layers import SqliteLayerStore
from nubis.store.sqlite_queues import SqliteQueueStore
from nubis.store.sqlite_versions import SqliteVersionStore

log = logging.getLogger("nubis")


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


async def serve(
    settings: ServerSettings,
    ready: asyncio.Event | None = None,
    async_settings: AsyncSettings | None = None,
) -> None:
    """Run until cancelled or signalled. Everything started here is stopped here, in
    reverse order, also when startup fails half-way."""
    clock = SystemClock()
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as stack:
        logs = FileLogSink(data / "logs")
        stack.callback(logs.close)
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

        api = LambdaApi(
            functions,
            operations,
            logs,
            blobs.path,
            targets={"AmazonSQS.": SqsApi(queues)},
        )
        stack.push_async_callback(api.close)
        await api.start(settings.host, settings.port)

        log.info("runtimes: %s", ", ".join(sorted(engine.runtimes())) or "none")
        log.info("Nubis is serving the Lambda API on %s (data in %s)", settings.public_url, data)
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()  # until cancelled


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
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await serve(settings, async_settings=async_settings)
        log.info("Nubis stopped")

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is optional off Linux
        asyncio.run(main())
    else:
        uvloop.run(main())
    return 0
