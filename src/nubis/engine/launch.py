"""How environments are forked on one host: the zygotes (one per Python runtime), the
blanks forked ahead of time, Lambda's environment variables, and .pyc precompilation.

    Launcher.start ─▶ discover runtimes ─▶ one Zygote each (Python) ─▶ blanks refilled
    Launcher.launch(env, zygote, options) ─▶ variables + how the runtime starts
                                          ─▶ Environment.launch (a blank, or a fork)

Ownership: the launcher owns the zygotes, the blanks and the precompile tasks; the
environments it launches belong to the engine's pool. `close()` closes blanks before
zygotes (a blank is a child of its zygote); the engine calls it after destroying every
environment, because zygotes report their children's exits until then.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from nubis.engine import runtime_api_constants as C
from nubis.engine import runtimes as runtime_discovery
from nubis.engine.blanks import Blanks
from nubis.engine.environment import Environment
from nubis.engine.options import LaunchOptions
from nubis.engine.zygote import Zygote
from nubis.model.function import FunctionSpec
from nubis.sandbox.base import Sandbox

log = logging.getLogger(__name__)

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtimes" / "python"


class Launcher:
    def __init__(
        self,
        sandbox: Sandbox,
        blank_environments: int,
        region: str,
        api_endpoint: str | None,
    ) -> None:
        self._sandbox = sandbox
        self._region = region
        self._api_endpoint = api_endpoint
        self._runtimes: dict[str, str] = {}
        self._zygotes: dict[str, Zygote] = {}
        self._exec_zygote: str | None = None  # the zygote that forks non-Python runtimes
        self._compiled: set[tuple[str, str]] = set()  # (interpreter, directory) done or doing
        self._compiling: set[asyncio.Task[None]] = set()
        # Half-confined forks ready for cold starts, with the Python SDK already mounted.
        sdk = runtime_discovery.python_sdk(sandbox.layout)
        self._blanks = Blanks(sandbox, sdk, keep=blank_environments)

    async def start(
        self, on_exit: Callable[[int, int], None], on_lost: Callable[[str], None]
    ) -> None:
        """Discover runtimes and start one zygote per Python runtime. `on_exit(pid,
        status)` gets the exit of every process a zygote forked; `on_lost(runtime)` that
        a zygote died (its children's exits will not be reported)."""
        self._runtimes = await runtime_discovery.discover()
        for runtime, exe in self._runtimes.items():
            self._zygotes[runtime] = Zygote(runtime, exe, on_exit, on_lost)
        # Zygotes start now, not on the first invocation: cold starts then cost a fork.
        results = await asyncio.gather(
            *(z.start() for z in self._zygotes.values()), return_exceptions=True
        )
        for zygote, result in zip(list(self._zygotes.values()), results, strict=True):
            if isinstance(result, BaseException):
                log.error("runtime %s unavailable: %s", zygote.runtime, result)
                await zygote.close()
                del self._zygotes[zygote.runtime]
                del self._runtimes[zygote.runtime]
        if self._zygotes:
            # Other runtimes are exec'ed by a fork of one Python zygote: the server's own
            # version where there is one.
            own = f"python{sys.version_info[0]}.{sys.version_info[1]}"
            self._exec_zygote = own if own in self._zygotes else next(iter(self._zygotes))
            self._runtimes.update(await runtime_discovery.discover_others())
        for zygote in self._zygotes.values():
            self._blanks.refill(zygote, delay=0)

    def runtimes(self) -> Mapping[str, str]:
        return dict(self._runtimes)

    def zygote_for(self, runtime: str) -> Zygote | None:
        if runtime in self._zygotes:
            return self._zygotes[runtime]
        if runtime in self._runtimes and self._exec_zygote is not None:
            return self._zygotes.get(self._exec_zygote)
        return None

    def forks_itself(self, runtime: str) -> bool:
        return runtime in self._zygotes

    def zygote_pids(self) -> list[int]:
        return [z.pid for z in self._zygotes.values() if z.pid is not None]

    async def launch(
        self,
        env: Environment,
        zygote: Zygote,
        options: LaunchOptions,
        snapshot: socket.socket | None = None,
    ) -> None:
        """Fork `env` (see `Environment.launch`); a failure leaves it to its owner."""
        spec = env.spec
        how = runtime_discovery.launch_for(
            spec.runtime,
            self._runtimes.get(spec.runtime, ""),
            spec.code_dir,
            spec.opt_dir,
            self._sandbox.layout,
        )
        self._precompile_once(spec, zygote)
        variables = self.base_environment(spec, options.initialization_type)
        for name, value in how.env.items():  # search paths: after the function's own
            variables[name] = f"{variables[name]}:{value}" if variables.get(name) else value
        options = dataclasses.replace(
            options, ro_binds=how.ro_binds, exec_argv=tuple(how.exec_argv or ())
        )
        # A snapshot is not latency-critical and needs its socket passed at the fork.
        blank = self._blanks.take(zygote) if snapshot is None else None
        await env.launch(zygote, self._sandbox, variables, options, blank, snapshot)

    def _precompile_once(self, spec: FunctionSpec, zygote: Zygote) -> None:
        """A Python function's code and layers get .pyc files in the background, after
        its first launch (see `runtimes.precompile`): later cold starts load them."""
        if not self._sandbox.read_only_code or spec.runtime not in self._zygotes:
            return  # the code is writable inside: Python writes its own .pyc files
        for directory in (spec.code_dir, spec.opt_dir):
            key = (zygote.executable, str(directory))
            if directory is None or key in self._compiled:
                continue
            self._compiled.add(key)
            task = asyncio.create_task(runtime_discovery.precompile(zygote.executable, directory))
            self._compiling.add(task)
            task.add_done_callback(self._compiling.discard)

    def base_environment(
        self, spec: FunctionSpec, kind: str = C.INITIALIZATION_ON_DEMAND
    ) -> dict[str, str]:
        """Lambda's variables; the function's own cannot override the reserved ones."""
        env = {C.ENV_TZ: C.TZ_VALUE, C.ENV_LANG: C.LANG_VALUE, C.ENV_PATH: C.PATH_VALUE}
        env.update(spec.environment)
        if spec.opt_dir is not None:
            # Inside a sandbox the layers are mounted where Lambda has them.
            _add_layer_paths(env, spec, self._sandbox.layout.opt(spec.opt_dir))
        env.update(
            {
                C.ENV_FUNCTION_NAME: spec.function_name,
                C.ENV_FUNCTION_VERSION: spec.version,
                C.ENV_FUNCTION_MEMORY_SIZE: str(spec.memory_mb),
                C.ENV_LOG_GROUP_NAME: spec.log_group,
                C.ENV_REGION: self._region,
                C.ENV_DEFAULT_REGION: self._region,
                C.ENV_EXECUTION_ENV: C.EXECUTION_ENV_PREFIX + spec.runtime,
                C.ENV_INITIALIZATION_TYPE: kind,
                C.ENV_TASK_ROOT: str(spec.code_dir),
                C.ENV_RUNTIME_DIR: str(RUNTIME_DIR),
                C.ENV_HANDLER: spec.handler,
                C.ENV_ACCESS_KEY_ID: C.PLACEHOLDER_ACCESS_KEY_ID,
                C.ENV_SECRET_ACCESS_KEY: C.PLACEHOLDER_SECRET_ACCESS_KEY,
                C.ENV_SESSION_TOKEN: C.PLACEHOLDER_SESSION_TOKEN,
            }
        )
        if self._api_endpoint:
            env[C.ENV_ENDPOINT_URL] = self._api_endpoint
        return env

    async def stop_compiling(self) -> None:
        for task in self._compiling:
            task.cancel()
        await asyncio.gather(*self._compiling, return_exceptions=True)

    async def close(self) -> None:
        """Blanks, then zygotes. After every environment is destroyed (see above)."""
        await self.stop_compiling()
        await self._blanks.close()
        await asyncio.gather(*(z.close() for z in self._zygotes.values()))


def _add_layer_paths(env: dict[str, str], spec: FunctionSpec, opt: str) -> None:
    """Point the search paths into the merged layers, where Lambda has /opt/... (Lambda's
    order: layers after the code directory, before the runtime's own paths)."""
    python = spec.runtime.removeprefix("python")
    paths = [f"{opt}/python/lib/python{python}/site-packages", f"{opt}/python"]
    if env.get(C.ENV_PYTHONPATH):
        paths.append(env[C.ENV_PYTHONPATH])
    env[C.ENV_PYTHONPATH] = ":".join(paths)
    node = [f"{opt}/nodejs/node_modules"]
    if env.get(C.ENV_NODE_PATH):
        node.append(env[C.ENV_NODE_PATH])
    env[C.ENV_NODE_PATH] = ":".join(node)
    env[C.ENV_PATH] = f"{env.get(C.ENV_PATH, C.PATH_VALUE)}:{opt}/bin"
