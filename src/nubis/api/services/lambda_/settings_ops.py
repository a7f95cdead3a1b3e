"""Lambda operations for per-function settings that deploy tools call every time: code
signing, runtime management, recursion. Translation only; the rules are in
`nubis.control.function_settings`."""

from __future__ import annotations

from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control.function_settings import FunctionSettings, RuntimeManagement


def _management(config: RuntimeManagement) -> dict[str, Any]:
    out: dict[str, Any] = {"UpdateRuntimeOn": config.update_on, "FunctionArn": config.function_arn}
    if config.runtime_version_arn is not None:
        out["RuntimeVersionArn"] = config.runtime_version_arn
    return out


class SettingsOperations:
    def __init__(self, settings: FunctionSettings) -> None:
        self._settings = settings
        self.handlers: dict[str, Handler] = {
            "GetFunctionCodeSigningConfig": self.get_code_signing,
            "GetRuntimeManagementConfig": self.get_runtime_management,
            "PutRuntimeManagementConfig": self.put_runtime_management,
            "GetFunctionRecursionConfig": self.get_recursion,
            "PutFunctionRecursionConfig": self.put_recursion,
        }

    async def get_code_signing(self, req: OperationRequest) -> OperationResult:
        # A function without a code signing config: Lambda answers with no members.
        await self._settings.code_signing(req.params["FunctionName"])
        return OperationResult({})

    async def get_runtime_management(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._settings.runtime_management(p["FunctionName"], p.get("Qualifier"))
        return OperationResult(_management(config))

    async def put_runtime_management(self, req: OperationRequest) -> OperationResult:
        p = req.params
        config = await self._settings.put_runtime_management(
            p["FunctionName"], p.get("Qualifier"), p["UpdateRuntimeOn"], p.get("RuntimeVersionArn")
        )
        return OperationResult(_management(config))

    async def get_recursion(self, req: OperationRequest) -> OperationResult:
        value = await self._settings.recursion(req.params["FunctionName"])
        return OperationResult({"RecursiveLoop": value})

    async def put_recursion(self, req: OperationRequest) -> OperationResult:
        p = req.params
        value = await self._settings.put_recursion(p["FunctionName"], p["RecursiveLoop"])
        return OperationResult({"RecursiveLoop": value})
