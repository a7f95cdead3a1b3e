"""The engine's boundary: what `control` may ask of it.

Contract:
- `invoke` runs one invocation of `spec` in a warm environment of that spec if one is
  idle, otherwise in a new one (a cold start: fork of the runtime's zygote). It never
  raises for anything the function did: errors, timeouts and crashes of the function are
  `InvokeResult`s with `function_error` set, exactly as Lambda reports them. It raises
  `nubis.model.errors` only for platform problems (e.g. `TooManyRequestsException` when
  no environment can be started, `ServiceException` for a broken zygote).
- `retire(function_name, keep_key)` stops every environment of that function whose spec
  key is not `keep_key` once its current invocation (if any) ends; `keep_key=None`
  retires all of them. Idempotent.
- `runtimes()` lists the runtime identifiers this host can run (e.g. `python3.11`).
- `close()` stops every environment and zygote and removes everything the engine created.
  Idempotent; after it, `invoke` raises `ServiceException`.
All methods are called from the event loop thread; none is thread-safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult


class Engine(Protocol):
    async def start(self) -> None:
        """Start zygotes and background tasks (idle reaping). Called once."""

    async def invoke(self, spec: FunctionSpec, request: InvokeRequest) -> InvokeResult: ...

    async def retire(self, function_name: str, keep_key: str | None = None) -> None: ...

    def runtimes(self) -> Mapping[str, str]:
        """Runtime identifier -> a human description (e.g. the interpreter path)."""
        ...

    async def close(self) -> None: ...
