"""Lambda operations of asynchronous invocation: the event-invoke config operations, and
a function's `DeadLetterConfig` (kept by the async part, so the function operations are
wrapped to read and write it). Translation only; the rules are in
`nubis.control.async_config`.

`install(handlers)` adds the operations to a `LambdaOperations.handlers` dict and wraps
its CreateFunction, UpdateFunctionConfiguration, GetFunction, GetFunctionConfiguration
and DeleteFunction handlers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nubis.api.lambda_ops import Handler, Output, RequestContext
from nubis.control.async_config import EventInvokeConfigs
from nubis.model.async_config import EventInvokeConfig
from nubis.model.errors import InvalidParameterValueException, NubisError
from nubis.store.base import EventInvokeConfigStore


def _wire(config: EventInvokeConfig, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LastModified": datetime.fromtimestamp(config.last_modified, tz=UTC),
        "FunctionArn": arn,
        "MaximumRetryAttempts": config.retries,
        "MaximumEventAgeInSeconds": config.max_age_s,
    }
    destinations: dict[str, Any] = {}
    if config.on_success:
        destinations["OnSuccess"] = {"Destination": config.on_success}
    if config.on_failure:
        destinations["OnFailure"] = {"Destination": config.on_failure}
    out["DestinationConfig"] = destinations
    return out


class AsyncOperations:
    def __init__(self, configs: EventInvokeConfigs, store: EventInvokeConfigStore) -> None:
        self._configs = configs
        self._store = store
        self.handlers: dict[str, Handler] = {
            "PutFunctionEventInvokeConfig": self.put,
            "UpdateFunctionEventInvokeConfig": self.update,
            "GetFunctionEventInvokeConfig": self.get,
            "DeleteFunctionEventInvokeConfig": self.delete,
            "ListFunctionEventInvokeConfigs": self.list,
        }

    def install(self, handlers: dict[str, Handler]) -> None:
        handlers.update(self.handlers)
        for name in ("CreateFunction", "UpdateFunctionConfiguration"):
            if name in handlers:
                handlers[name] = self._writes_dead_letter(handlers[name])
        for name in ("GetFunction", "GetFunctionConfiguration"):
            if name in handlers:
                handlers[name] = self._shows_dead_letter(handlers[name])
        if "DeleteFunction" in handlers:
            handlers["DeleteFunction"] = self._forgets(handlers["DeleteFunction"])

    async def put(self, p: dict[str, Any], ctx: RequestContext) -> Output:
        config = await self._configs.put(p["FunctionName"], p.get("Qualifier"), p, merge=False)
        return Output(_wire(config, self._configs.arn(config)))

    async def update(self, p: dict[str, Any], ctx: RequestContext) -> Output:
        config = await self._configs.put(p["FunctionName"], p.get("Qualifier"), p, merge=True)
        return Output(_wire(config, self._configs.arn(config)))

    async def get(self, p: dict[str, Any], ctx: RequestContext) -> Output:
        config = await self._configs.get(p["FunctionName"], p.get("Qualifier"))
        return Output(_wire(config, self._configs.arn(config)))

    async def delete(self, p: dict[str, Any], ctx: RequestContext) -> Output:
        await self._configs.delete(p["FunctionName"], p.get("Qualifier"))
        return Output({}, status=204)

    async def list(self, p: dict[str, Any], ctx: RequestContext) -> Output:
        page, marker = await self._configs.list(
            p["FunctionName"], p.get("Marker"), p.get("MaxItems")
        )
        out: dict[str, Any] = {
            "FunctionEventInvokeConfigs": [_wire(c, self._configs.arn(c)) for c in page]
        }
        if marker is not None:
            out["NextMarker"] = marker
        return Output(out)

    # ------------------------------------------------------------ DeadLetterConfig
    def _writes_dead_letter(self, inner: Handler) -> Handler:
        async def handler(p: dict[str, Any], ctx: RequestContext) -> Output:
            dead_letter = p.get("DeadLetterConfig")
            target = (dead_letter or {}).get("TargetArn")
            if target and not target.startswith("arn:aws:sqs:"):
                raise InvalidParameterValueException(
                    f"The provided target ARN {target} is invalid: Nubis sends dead letters "
                    "to SQS queues."
                )
            out = await inner(p, ctx)
            name = out.members.get("FunctionName")
            if dead_letter is not None and name:
                await self._store.set_dead_letter(name, target or None)
            return await self._with_dead_letter(out, out.members)

        return handler

    def _shows_dead_letter(self, inner: Handler) -> Handler:
        async def handler(p: dict[str, Any], ctx: RequestContext) -> Output:
            out = await inner(p, ctx)
            members = out.members.get("Configuration", out.members)
            return await self._with_dead_letter(out, members)

        return handler

    async def _with_dead_letter(self, out: Output, members: dict[str, Any]) -> Output:
        name = members.get("FunctionName")
        if name:
            target = await self._store.get_dead_letter(name)
            if target:
                members["DeadLetterConfig"] = {"TargetArn": target}
        return out

    def _forgets(self, inner: Handler) -> Handler:
        async def handler(p: dict[str, Any], ctx: RequestContext) -> Output:
            out = await inner(p, ctx)
            if not p.get("Qualifier"):
                try:
                    name = self._configs.function_name(p["FunctionName"])
                except NubisError:
                    return out
                await self._store.drop_function_configs(name)
            return out

        return handler
