"""Nubis's own endpoints on the gateway (`/_nubis/...`): code downloads, logs, health.

    nubis_service(functions, logs, blob_path, errors)  -> Service("nubis", ...)

`errors` renders their errors; `nubis serve` passes Lambda's codec, so they fail the way
every Lambda endpoint does.
"""

from __future__ import annotations

from nubis.api.service import Operation, Service
from nubis.api.services.nubis.codec import PREFIX, ErrorRenderer, NubisCodec
from nubis.api.services.nubis.ops import BlobPath, NubisOperations
from nubis.control.functions import FunctionService
from nubis.observe.base import LogSink


def nubis_service(
    functions: FunctionService, logs: LogSink, blob_path: BlobPath, errors: ErrorRenderer
) -> Service:
    ops = NubisOperations(functions, logs, blob_path)
    table = {name: Operation(handler, f"nubis:{name}") for name, handler in ops.handlers.items()}
    return Service("nubis", NubisCodec(errors), table)


__all__ = ["PREFIX", "nubis_service"]
