"""Lambda operations: wire parameters in, output members out. Translation only; every rule
is in `control`."""

from __future__ import annotations

import base64
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.api.services.lambda_ import requests
from nubis.api.services.lambda_.shapes import account_settings, function_configuration
from nubis.control.functions import FunctionService
from nubis.control.invoke import DRY_RUN, EVENT, Invocation, Invoker
from nubis.model import limits
from nubis.model.function import LATEST


class LambdaOperations:
    def __init__(self, functions: FunctionService, invoker: Invoker) -> None:
        self._f = functions
        self._invoker = invoker
        self.handlers: dict[str, Handler] = {
            "CreateFunction": self.create_function,
            "GetFunction": self.get_function,
            "GetFunctionConfiguration": self.get_function_configuration,
            "ListFunctions": self.list_functions,
            "UpdateFunctionCode": self.update_function_code,
            "UpdateFunctionConfiguration": self.update_function_configuration,
            "DeleteFunction": self.delete_function,
            "GetAccountSettings": self.get_account_settings,
            "Invoke": self.invoke,
        }

    def _conf(self, config: Any, qualifier: str | None = None) -> dict[str, Any]:
        """The configuration with its ARN: qualified by the alias, version or `$LATEST`
        asked for (Lambda answers a `$LATEST`-qualified call with `...:f:$LATEST`), or by
        its version number when it is a published version."""
        if qualifier is None:
            qualifier = None if config.version == LATEST else config.version
        return function_configuration(config, self._f.arn(config.name, qualifier))

    def _qualifier(self, p: dict[str, Any]) -> str | None:
        return self._f.parse_ref(p["FunctionName"], p.get("Qualifier")).qualifier

    async def create_function(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._f.create(requests.create_function(p), req.principal)
        # With Publish, Lambda answers with the new version's configuration under the
        # function's unqualified ARN.
        return OperationResult(function_configuration(config, self._f.arn(config.name)))

    async def get_function(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._f.get(p["FunctionName"], p.get("Qualifier"))
        out: dict[str, Any] = {
            "Configuration": self._conf(config, self._qualifier(p)),
            "Code": {
                "RepositoryType": "S3",
                "Location": f"{req.base_url}/_nubis/code/{config.code_sha256}.zip",
            },
        }
        tags = (await self._f.latest(config.name)).tags  # a version's are its function's
        if tags:
            out["Tags"] = dict(tags)
        reserved = await self._f.concurrency.reserved(config.name)
        if reserved is not None:
            out["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
        return OperationResult(out)

    async def get_function_configuration(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._f.get(p["FunctionName"], p.get("Qualifier"))
        return OperationResult(self._conf(config, self._qualifier(p)))

    async def list_functions(self, req: OperationRequest) -> OperationResult:
        p = req.params
        page, next_marker = await self._f.list(p.get("Marker"), p.get("MaxItems"))
        listed: list[dict[str, Any]] = []
        for config in page:
            if p.get("FunctionVersion") == "ALL":
                # Every version, $LATEST first under its qualified ARN, as Lambda lists them.
                listed.append(self._conf(config, LATEST))
                listed.extend(self._conf(v) for v in await self._f.published(config.name))
            else:
                listed.append(self._conf(config))
        out: dict[str, Any] = {"Functions": listed}
        if next_marker is not None:
            out["NextMarker"] = next_marker
        return OperationResult(out)

    async def update_function_code(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult(self._conf(await self._f.update_code(requests.update_code(p))))

    async def update_function_configuration(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult(
            self._conf(await self._f.update_configuration(requests.update_configuration(p)))
        )

    async def delete_function(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._f.delete(p["FunctionName"], p.get("Qualifier"))
        return OperationResult({}, status=204)

    async def get_account_settings(self, req: OperationRequest) -> OperationResult:
        return OperationResult(account_settings(await self._f.account_settings()))

    async def invoke(self, req: OperationRequest) -> OperationResult:
        p = req.params
        invocation_type = p.get("InvocationType") or "RequestResponse"
        result = await self._invoker.invoke(
            Invocation(
                function_name=p["FunctionName"],
                qualifier=p.get("Qualifier"),
                payload=p.get("Payload") or b"",
                request_id=req.request_id,
                invocation_type=invocation_type,
                tail_logs=p.get("LogType") == "Tail" and invocation_type == "RequestResponse",
                client_context_b64=p.get("ClientContext"),
            )
        )
        if result is None:
            status = 202 if invocation_type == EVENT else 204
            assert invocation_type in (EVENT, DRY_RUN)
            return OperationResult({"StatusCode": status, "Payload": b""}, status=status)
        out: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": result.executed_version,
        }
        if result.function_error:
            out["FunctionError"] = result.function_error
        if result.log_tail is not None:
            tail = result.log_tail.encode()[-limits.LOG_TAIL_BYTES :]
            out["LogResult"] = base64.b64encode(tail).decode()
        return OperationResult(out)
