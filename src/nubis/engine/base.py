"""The engine's boundary: what `control` may ask of it.

Contract:
- `invoke` runs one invocation of `spec` in a warm environment of that spec if one is
  idle, otherwise in a new one (a cold start: fork of the runtime's zygote). It never
  raises for anything the function did: errors, timeouts and crashes of the function are
  `InvokeResult`s with `function_error` set, exactly as Lambda reports them. It raises
  `nubis.model.errors` only for platform problems (e.g. `TooManyRequestsException` when
  no environment can be started, `ServiceException` for a broken zygote).
- `invoke` admits at most `spec.reserved_concurrency` simultaneous invocations of one
  function (counted across all its specs, i.e. versions, by function name) when that is
  set; one more raises `TooManyRequestsException` (Reason
  `ReservedFunctionConcurrentInvocationLimitExceeded`) before anything starts.
- `invoke` also admits functions without a reservation only while the account's
  unreserved pool has room, as `admission` (`nubis.engine.admission`) counts it; one
  more raises `TooManyRequestsException` (Reason `ConcurrentInvocationLimitExceeded`).
  Control keeps `admission`'s limits current (`Admission.set_limits`).
- `retire(function_name, keep_key, keep_keys=())` stops every environment of that
  function whose spec key is neither `keep_key` nor in `keep_keys` once its current
  invocation (if any) ends, and forgets provisioning of those keys; `keep_key=None` and
  no `keep_keys` retires all of them. Idempotent.
- `provision(spec, count)` keeps `count` environments of `spec` initialised ahead of
  time (`AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`), never reaped while
  idle and replaced when one dies (within the reaper's interval). It returns once that
  many are ready, or raises (`ServiceException`, `TooManyRequestsException`) if they
  cannot be; the target stays set either way. `count=0` ends provisioning: the
  environments become on-demand ones (reaped when idle). Invocations prefer no
  environment over another; beyond the provisioned ones they start on-demand ones.
- `runtimes()` lists the runtime identifiers this host can run (e.g. `python3.11`).
- `close()` stops every environment and zygote and removes everything the engine created.
  Idempotent; after it, `invoke` raises `ServiceException`.
All methods are called from the event loop thread; none is thread-safe.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from nubis.engine.admission import Admission
from nubis.model.function import FunctionSpec, InvokeRequest, InvokeResult


class Engine(Protocol):
    admission: Admission

    async def start(self) -> None:
        """Start zygotes and background tasks (idle reaping). Called once."""

    async def invoke(self, spec: FunctionSpec, request: InvokeRequest) -> InvokeResult: ...

    async def retire(
        self, function_name: str, keep_key: str | None = None, keep_keys: Collection[str] = ()
    ) -> None: ...

    async def provision(self, spec: FunctionSpec, count: int) -> None: ...

    def prepare_snapstart(self, spec: FunctionSpec) -> None:
        """Start initialising the SnapStart spare(s) of a just-published version in the
        background (no-op unless `spec.snap_start`). Idempotent; never raises for what the
        function's init does (a failed init just leaves no spare)."""
        ...

    def runtimes(self) -> Mapping[str, str]:
        """Runtime identifier -> a human description (e.g. the interpreter path)."""
        ...

    async def close(self) -> None: ...
