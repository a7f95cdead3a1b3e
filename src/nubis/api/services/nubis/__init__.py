"""Nubis's own endpoints on the gateway (`/_nubis/...` and `/metrics`): code downloads,
logs, health, Prometheus metrics.

    nubis_service(functions, logs, blob_path, errors, metrics=None)  -> Service("nubis", ...)

`errors` renders their errors; `nubis serve` passes Lambda's codec, so they fail the way
every Lambda endpoint does.
"""

from __future__ import annotations

from nubis.api.service import Operation, Service
from nubis.api.services.nubis.codec import METRICS_PATH, PREFIX, ErrorRenderer, NubisCodec
from nubis.api.services.nubis.ops import BlobPath, Exposition, NubisOperations
from nubis.control.functions import FunctionService
from nubis.observe.base import LogSink


def nubis_service(
    functions: FunctionService,
    logs: LogSink,
    blob_path: BlobPath,
    errors: ErrorRenderer,
    metrics: Exposition | None = None,
) -> Service:
    ops = NubisOperations(functions, logs, blob_path, metrics)
    table = {name: Operation(handler, f"nubis:{name}") for name, handler in ops.handlers.items()}
    return Service("nubis", NubisCodec(errors), table)


__all__ = ["METRICS_PATH", "PREFIX", "Exposition", "nubis_service"]
