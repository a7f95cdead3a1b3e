"""Nubis's own endpoints: code downloads (GetFunction's and GetLayerVersion's
`Code.Location`), a function's logs as text (`nubis logs`), health and the Prometheus
metrics (`GET /metrics`, when the server keeps them). Translation only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control.functions import FunctionService
from nubis.model.errors import ResourceNotFoundException
from nubis.observe.base import LogSink

BlobPath = Callable[[str], Path]

MSG_NO_METRICS = "This server keeps no metrics."


class Exposition(Protocol):
    """Metrics in a text format (`nubis.observe.metrics.PrometheusMetrics`)."""

    @property
    def content_type(self) -> str: ...

    async def render(self) -> bytes: ...


CONTENT_TYPE_ZIP = "application/zip"
CONTENT_TYPE_TEXT = "text/plain; charset=utf-8"
CONTENT_TYPE_JSON = "application/json"


def raw(body: bytes, content_type: str) -> OperationResult:
    """A result that goes out as is (`NubisCodec.serialize`)."""
    return OperationResult({"Body": body, "ContentType": content_type})


class NubisOperations:
    def __init__(
        self,
        functions: FunctionService,
        logs: LogSink,
        blob_path: BlobPath,
        metrics: Exposition | None = None,
    ) -> None:
        self._functions = functions
        self._logs = logs
        self._blob_path = blob_path
        self._metrics = metrics
        self.handlers: dict[str, Handler] = {
            "GetCode": self.get_code,
            "GetLogs": self.get_logs,
            "GetHealth": self.get_health,
            "GetMetrics": self.get_metrics,
        }

    async def get_code(self, req: OperationRequest) -> OperationResult:
        path = self._blob_path(req.params["Sha256"])
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ResourceNotFoundException("No code package with that digest.") from None
        return raw(data, CONTENT_TYPE_ZIP)

    async def get_logs(self, req: OperationRequest) -> OperationResult:
        """The text of a function's log streams, oldest first; the last `Tail` lines when
        it is above 0."""
        config = await self._functions.get(req.params["FunctionName"])
        group = f"/aws/lambda/{config.name}"
        text = "".join(self._logs.read(group, s) for s in self._logs.streams(group))
        tail = req.params["Tail"]
        if tail > 0:
            text = "\n".join(text.splitlines()[-tail:]) + "\n"
        return raw(text.encode(), CONTENT_TYPE_TEXT)

    async def get_health(self, req: OperationRequest) -> OperationResult:
        return raw(b'{"status":"ok"}', CONTENT_TYPE_JSON)

    async def get_metrics(self, req: OperationRequest) -> OperationResult:
        if self._metrics is None:
            raise ResourceNotFoundException(MSG_NO_METRICS)
        return raw(await self._metrics.render(), self._metrics.content_type)
