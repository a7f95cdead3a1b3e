"""The one place the parts of a server are built and joined (DESIGN.md).

Each `build_*` function builds one layer from the settings and what the layers before it
built, starts what needs starting, and pushes each part's close onto the caller's exit
stack right after the part exists, so a failure half-way closes exactly what was built,
in reverse order. `nubis.cli.serve` calls them in order (the lifecycle is its own);
nothing here listens on a socket or waits for a signal.

Joins made here, each at construction: the `Invoker` and the `AsyncInvoker` share one
wake-up event (the invoker sets it once an event is stored, the async loop waits on it),
so neither needs the other; event-invoke configs subscribe to function deletions; the
Lambda operation table is one dict of the operation classes' tables.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from nubis.api.auth import IamAuthorizer, SigV4Authenticator, count_writes
from nubis.api.gateway import Gateway
from nubis.api.services.cloudwatch import cloudwatch_service
from nubis.api.services.iam import iam_service
from nubis.api.services.lambda_ import lambda_service
from nubis.api.services.lambda_.async_ops import AsyncOperations
from nubis.api.services.lambda_.ops import LambdaOperations
from nubis.api.services.lambda_.settings_ops import SettingsOperations
from nubis.api.services.lambda_.version_ops import VersionOperations
from nubis.api.services.logs import logs_service
from nubis.api.services.nubis import nubis_service
from nubis.api.services.sqs import sqs_service
from nubis.api.services.sts import sts_service
from nubis.control.aliases import AliasService
from nubis.control.async_config import EventInvokeConfigs
from nubis.control.cloudwatch.aggregate import Aggregate
from nubis.control.cloudwatch.service import MetricsService
from nubis.control.concurrency import ConcurrencyService
from nubis.control.function_settings import FunctionSettings
from nubis.control.functions import Account, FunctionService
from nubis.control.iam.services import IamServices, iam_services
from nubis.control.invoke import Invoker
from nubis.control.layers import LayerService
from nubis.control.logs.service import LogsService
from nubis.control.queues import QueueService
from nubis.control.tags import TagService
from nubis.engine.base import Engine
from nubis.engine.local import LocalEngine
from nubis.engine.state import EnvState
from nubis.events.async_invoke import AsyncInvoker
from nubis.events.destinations import Destinations
from nubis.http import Verifier
from nubis.model.clock import Clock, SystemClock
from nubis.model.settings import ServerSettings
from nubis.observe.cloudwatch_metrics import UNITS as LAMBDA_UNITS
from nubis.observe.cloudwatch_metrics import LambdaMetrics
from nubis.observe.files import FileLogSink
from nubis.observe.log_records import LogSinkRecords
from nubis.observe.metrics import PrometheusMetrics, Sources
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
from nubis.store.sqlite.iam import SqliteIamStore
from nubis.store.sqlite.logs import SqliteLogStore

Stack = contextlib.AsyncExitStack


@dataclass(frozen=True)
class Observe:
    logs: FileLogSink
    recorder: QueueRecorder
    metrics: PrometheusMetrics  # GET /metrics; its sources are set as their parts are built
    cloudwatch: LambdaMetrics[Aggregate]  # AWS/Lambda datapoints for the CloudWatch API


@dataclass(frozen=True)
class Stores:
    functions: SqliteFunctionStore
    versions: SqliteVersionStore
    concurrency: SqliteConcurrencyStore
    layers: SqliteLayerStore
    blobs: FileBlobStore
    events: SqliteEventStore
    queues: SqliteQueueStore
    iam: SqliteIamStore
    logs: SqliteLogStore  # CloudWatch Logs, in logs.db


@dataclass(frozen=True)
class Control:
    account: Account
    functions: FunctionService
    concurrency: ConcurrencyService
    aliases: AliasService
    layers: LayerService
    tags: TagService
    invoker: Invoker
    queues: QueueService
    event_configs: EventInvokeConfigs
    iam: IamServices
    logs: LogsService
    # Set once an event is stored; the async workers wait on it (`build_async_invoker`).
    wake: asyncio.Event


async def build_observe(settings: ServerSettings, stack: Stack) -> Observe:
    logs = FileLogSink(settings.data_dir / "logs", settings.engine.logs)
    stack.callback(logs.close)
    # Typed records (invocation reports, throttles, environments, API calls): closed
    # after every part that records, so what they recorded last is handed over.
    recorder = QueueRecorder()
    recorder.subscribe(LogSinkRecords(logs))  # a stopped environment's stream is done
    metrics = PrometheusMetrics(Sources())
    metrics.sources.recorder_dropped = lambda: recorder.dropped + recorder.dropped_by(metrics)
    recorder.subscribe(metrics)
    cloudwatch = LambdaMetrics(Aggregate)
    recorder.subscribe(cloudwatch)
    await recorder.start()
    stack.push_async_callback(recorder.close)
    return Observe(logs, recorder, metrics, cloudwatch)


def build_stores(data: Path, stack: Stack) -> Stores:
    """The durable stores under `data`: metadata in one SQLite file, code as blobs, and
    accepted events and queue messages each in an fsync'd SQLite file of its own."""
    functions = SqliteFunctionStore(data / "nubis.db")
    stack.callback(functions.close)
    versions = SqliteVersionStore(data / "nubis.db")
    stack.callback(versions.close)
    concurrency = SqliteConcurrencyStore(data / "nubis.db")
    stack.callback(concurrency.close)
    layers = SqliteLayerStore(data / "nubis.db")
    stack.callback(layers.close)
    blobs = FileBlobStore(data / "code")
    events = SqliteEventStore(data / "events.db")
    stack.callback(events.close)
    queues = SqliteQueueStore(data / "queues.db")
    stack.callback(queues.close)
    # IAM's tables in nubis.db; its secrets sealed with a key kept beside the data dir,
    # not in it (store/sqlite/sealing.py), so a copy of the data dir alone is not enough.
    iam = SqliteIamStore(data / "nubis.db", iam_key_file(data))
    stack.callback(iam.close)
    logs = SqliteLogStore(data / "logs.db")
    stack.callback(logs.close)
    return Stores(functions, versions, concurrency, layers, blobs, events, queues, iam, logs)


def iam_key_file(data: Path) -> Path:
    """`<parent>/.<data dir's name>.iam-key`: the key that seals IAM's secrets."""
    resolved = data.resolve()
    return resolved.parent / f".{resolved.name}.iam-key"


async def build_engine(
    settings: ServerSettings, observe: Observe, clock: Clock, stack: Stack
) -> LocalEngine:
    # Blocking setup (a sweep of what a crashed predecessor left, a bridge, pools).
    sandbox = await asyncio.to_thread(
        detect.choose, settings.engine.isolation, api_port=settings.port
    )
    stack.callback(sandbox.close)
    engine = LocalEngine(
        settings.engine,
        observe.logs,
        clock,
        sandbox=sandbox,
        region=settings.region,
        api_endpoint=settings.public_url,
        recorder=observe.recorder,
    )
    stack.push_async_callback(engine.close)
    await engine.start()
    observe.metrics.sources.environments = lambda: environment_states(engine)
    return engine


def environment_states(engine: LocalEngine) -> dict[str, int]:
    """`nubis_environments{state}`: the engine's environments now, every live state listed."""
    states = {s.value: 0 for s in EnvState if s is not EnvState.DEAD}
    for env in engine.pool:
        states[env.state.value] = states.get(env.state.value, 0) + 1
    return states


async def build_control(
    settings: ServerSettings, stores: Stores, engine: Engine, clock: Clock, stack: Stack
) -> Control:
    account = Account(settings.region, settings.account_id, settings.account_concurrency)
    functions = FunctionService(
        account,
        stores.functions,
        stores.blobs,
        engine,
        clock,
        versions=stores.versions,
        concurrency=stores.concurrency,
        layers=stores.layers,
    )
    concurrency = ConcurrencyService(functions, engine, clock)
    stack.push_async_callback(concurrency.close)
    await concurrency.start()
    wake = asyncio.Event()
    event_configs = EventInvokeConfigs(functions, stores.events, clock)
    functions.subscribe_deleted(event_configs.forget_function)
    logs = LogsService(stores.logs, clock, settings.region, settings.account_id)
    await logs.start()  # the retention sweep
    stack.push_async_callback(logs.close)
    return Control(
        account=account,
        functions=functions,
        concurrency=concurrency,
        aliases=AliasService(functions, concurrency),
        layers=LayerService(account, stores.layers, stores.blobs, clock),
        tags=TagService(functions),
        invoker=Invoker(functions, engine, stores.events, clock, on_enqueued=wake.set),
        queues=QueueService(stores.queues, clock, settings.region, settings.account_id),
        event_configs=event_configs,
        iam=iam_services(stores.iam, settings.account_id, clock),
        logs=logs,
        wake=wake,
    )


async def build_async_invoker(
    settings: ServerSettings, stores: Stores, control: Control, clock: Clock, stack: Stack
) -> AsyncInvoker:
    async_invoker = AsyncInvoker(
        stores.events,
        control.invoker,
        control.event_configs,
        Destinations(control.queues, control.invoker),
        clock,
        settings.async_,
        wake=control.wake,
    )
    await async_invoker.start()
    stack.push_async_callback(async_invoker.close)
    return async_invoker


def build_gateway(
    control: Control,
    stores: Stores,
    observe: Observe,
    stack: Stack,
    clock: Clock | None = None,
    *,
    auth_mode: str = "open",
) -> Gateway:
    """Every service's operation table behind one gateway; not listening yet. In the
    `iam` auth mode every request is verified against the IAM store's keys and
    authorized by IAM's policies, and IAM's writes bump the version the authorizer's
    caches follow (`nubis.api.auth`)."""
    c = control
    iam = iam_service(c.iam.users, c.iam.roles, c.iam.policies, c.account.account_id)
    authenticator, authorizer = None, None
    if auth_mode == "iam":
        iam = count_writes(iam, c.iam.version)
        authenticator = SigV4Authenticator(Verifier(stores.iam), clock or SystemClock())
        authorizer = IamAuthorizer(c.iam)
    metrics = MetricsService(clock or SystemClock(), observe.cloudwatch, LAMBDA_UNITS)
    lambda_ = lambda_service(
        c.functions,
        {
            **LambdaOperations(c.functions, c.invoker).handlers,
            **VersionOperations(c.functions, c.aliases, c.concurrency, c.layers, c.tags).handlers,
            **AsyncOperations(c.event_configs).handlers,
            **SettingsOperations(FunctionSettings(c.functions)).handlers,
        },
    )
    api = Gateway(
        [
            lambda_,
            sqs_service(c.queues),
            iam,
            sts_service(c.iam.sts),
            logs_service(c.logs),
            cloudwatch_service(metrics),
            nubis_service(
                c.functions,
                observe.logs,
                stores.blobs.path,
                errors=lambda_.codec,
                metrics=observe.metrics,
            ),
        ],
        authenticator=authenticator,
        authorizer=authorizer,
        recorder=observe.recorder,
    )
    stack.push_async_callback(api.close)
    observe.metrics.sources.async_events = stores.events.depth
    return api
