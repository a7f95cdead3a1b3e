"""Lambda operations of asynchronous invocation: the event-invoke config operations.
Translation only; the rules are in `nubis.control.async_config`. (A function's
`DeadLetterConfig` is part of its configuration: `nubis.control.functions`.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.api.services.lambda_ import requests
from nubis.control.async_config import EventInvokeConfigs
from nubis.model.async_config import EventInvokeConfig


def _wire(config: EventInvokeConfig, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LastModified": datetime.fromtimestamp(config.last_modified, tz=UTC),
        "FunctionArn": arn,
        "MaximumRetryAttempts": config.retries,
        "MaximumEventAgeInSeconds": config.max_age_s,
    }
    # Lambda always sends both members, empty when no destination is set.
    out["DestinationConfig"] = {
        "OnSuccess": {"Destination": config.on_success} if config.on_success else {},
        "OnFailure": {"Destination": config.on_failure} if config.on_failure else {},
    }
    return out


class AsyncOperations:
    def __init__(self, configs: EventInvokeConfigs) -> None:
        self._configs = configs
        self.handlers: dict[str, Handler] = {
            "PutFunctionEventInvokeConfig": self.put,
            "UpdateFunctionEventInvokeConfig": self.update,
            "GetFunctionEventInvokeConfig": self.get,
            "DeleteFunctionEventInvokeConfig": self.delete,
            "ListFunctionEventInvokeConfigs": self.list,
        }

    async def put(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._configs.put(requests.event_invoke_config(p), merge=False)
        return OperationResult(_wire(config, self._configs.arn(config)))

    async def update(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._configs.put(requests.event_invoke_config(p), merge=True)
        return OperationResult(_wire(config, self._configs.arn(config)))

    async def get(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._configs.get(p["FunctionName"], p.get("Qualifier"))
        return OperationResult(_wire(config, self._configs.arn(config)))

    async def delete(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._configs.delete(p["FunctionName"], p.get("Qualifier"))
        return OperationResult({}, status=204)

    async def list(self, req: OperationRequest) -> OperationResult:
        p = req.params
        page, marker = await self._configs.list(
            p["FunctionName"], p.get("Marker"), p.get("MaxItems")
        )
        out: dict[str, Any] = {
            "FunctionEventInvokeConfigs": [_wire(c, self._configs.arn(c)) for c in page]
        }
        if marker is not None:
            out["NextMarker"] = marker
        return OperationResult(out)
