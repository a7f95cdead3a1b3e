"""How the engine asks for one environment to be started (`Environment.launch`)."""

from __future__ import annotations

from dataclasses import dataclass

from nubis.engine import runtime_api_constants as C


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    # AWS_LAMBDA_INITIALIZATION_TYPE: on-demand, provisioned-concurrency or snap-start
    # (the snapshot itself); reported in EnvironmentStarted too.
    initialization_type: str = C.INITIALIZATION_ON_DEMAND
    # Keep the init output for the first invocation's log tail (X-Amz-Log-Result).
    capture_tail: bool = False
    # What the runtime needs inside: (host path, path inside), mounted read-only.
    ro_binds: tuple[tuple[str, str], ...] = ()
    # The forked child execs this after confinement (a runtime that is not Python).
    exec_argv: tuple[str, ...] = ()
