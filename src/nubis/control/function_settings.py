"""Per-function settings that tools read or write on every deploy and that change nothing
about how Nubis runs the function: code signing (none: Nubis does not sign code), runtime
management (the update mode; Nubis runs the host's interpreter whatever it says) and the
recursive-loop setting (stored and returned; loop detection is not done yet).

Writing one keeps the function's revision and warm environments: none of them is code or
configuration that an environment sees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nubis.control.functions import FunctionService
from nubis.model.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from nubis.model.function import LATEST, FunctionConfig

MSG_MANUAL_NEEDS_ARN = (
    "RuntimeVersionArn is required when UpdateRuntimeOn is Manual, and allowed only then."
)
MSG_VERSIONS_ONLY_LATEST = (
    "Nubis keeps runtime management settings on $LATEST only; a published version keeps "
    "the setting it was published with."
)


@dataclass(frozen=True)
class RuntimeManagement:
    update_on: str
    function_arn: str
    runtime_version_arn: str | None


class FunctionSettings:
    def __init__(self, functions: FunctionService) -> None:
        self._functions = functions

    async def code_signing(self, text: str) -> str:
        """The function's name; it has no code signing config (Nubis has none). Lambda's
        not-found names the unqualified ARN here."""
        ref = self._functions.parse_ref(text)
        try:
            return (await self._functions.latest(ref.name)).name
        except ResourceNotFoundException:
            arn = self._functions.arn(ref.name)
            raise ResourceNotFoundException(f"Function not found: {arn}") from None

    async def runtime_management(self, text: str, qualifier: str | None) -> RuntimeManagement:
        ref = self._functions.parse_ref(text, qualifier)
        config = await self._functions.get(text, qualifier)
        arn = self._functions.arn(config.name, ref.qualifier or LATEST)
        return _management(config, arn)

    async def put_runtime_management(
        self, text: str, qualifier: str | None, update_on: str, version_arn: str | None
    ) -> RuntimeManagement:
        if (update_on == "Manual") != (version_arn is not None):
            raise InvalidParameterValueException(MSG_MANUAL_NEEDS_ARN)
        ref = self._functions.parse_ref(text, qualifier)
        if ref.qualifier not in (None, LATEST):
            raise InvalidParameterValueException(MSG_VERSIONS_ONLY_LATEST)
        config = await self._functions.latest(ref.name)
        new = replace(config, runtime_update_on=update_on, runtime_version_arn=version_arn)
        await self._write(config, new)
        return _management(new, self._functions.arn(config.name, LATEST))

    async def recursion(self, text: str) -> str:
        return (await self._function(text)).recursive_loop

    async def put_recursion(self, text: str, value: str) -> str:
        config = await self._function(text)
        await self._write(config, replace(config, recursive_loop=value))
        return value

    async def _function(self, text: str) -> FunctionConfig:
        return await self._functions.latest(self._functions.parse_ref(text).name)

    async def _write(self, old: FunctionConfig, new: FunctionConfig) -> None:
        if not await self._functions.replace_settings(old, new):
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress "
                f"for resource: {self._functions.arn(old.name)}"
            )


def _management(config: FunctionConfig, arn: str) -> RuntimeManagement:
    # Lambda returns no runtime version ARN unless the mode is Manual.
    version = config.runtime_version_arn if config.runtime_update_on == "Manual" else None
    return RuntimeManagement(config.runtime_update_on, arn, version)
