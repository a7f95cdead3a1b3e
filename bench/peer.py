"""The peer: serverless-offline (npm `serverless@3` + `serverless-offline@13.9.0`).

Installed by the bench itself into bench/.peer (gitignored). The committed service
(bench/peer/serverless.yml + handler.py) is copied into bench/.peer/service at run time so
that serverless finds the plugin in bench/.peer/node_modules by walking up from the service
directory, and so nothing generated lands in the repository.

How serverless-offline runs a Python function (src/lambda/handler-runner/python-runner):
each LambdaFunction instance spawns `python3 -u invoke.py handler hello` through a shell and
talks JSON lines over stdin/stdout; an idle instance is reused for the next invocation.
`--reloadHandler` makes the pool never reuse an instance, so every invocation spawns a new
Python process: that is its "every invocation is cold" mode, used for the cold-start samples.
Those idle instances are only reaped after `--terminateIdleLambdaTime` seconds.

The server is started in its own session (process group) so that stopping it also ends the
Python runner processes it spawned: killing only `node` leaves them orphaned.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from types import TracebackType

from baseline import PYTHON
from measure import free_port, launch_server

BENCH = Path(__file__).resolve().parent
CONFIG_DIR = BENCH / "peer"
INSTALL_DIR = BENCH / ".peer"
SERVICE_DIR = INSTALL_DIR / "service"
SERVERLESS = INSTALL_DIR / "node_modules" / ".bin" / "serverless"
PACKAGES = ("serverless@3", "serverless-offline@13.9.0")
PLUGIN_VERSION = "13.9.0"
FUNCTION = "hello"  # functions.hello.name in serverless.yml
HOST = "127.0.0.1"


def installed_version() -> str | None:
    pkg = INSTALL_DIR / "node_modules" / "serverless-offline" / "package.json"
    if not pkg.exists() or not SERVERLESS.exists():
        return None
    return str(json.loads(pkg.read_text())["version"])


def ensure_installed() -> str:
    """Install the peer into bench/.peer with npm unless the pinned version is there."""
    if installed_version() == PLUGIN_VERSION:
        return PLUGIN_VERSION
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (Debian package `npm`): cannot install the peer")
    INSTALL_DIR.mkdir(exist_ok=True)
    print(f"installing {' '.join(PACKAGES)} into {INSTALL_DIR} ...", flush=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(INSTALL_DIR), *PACKAGES],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    version = installed_version()
    if version != PLUGIN_VERSION:
        raise RuntimeError(f"serverless-offline {version} installed, wanted {PLUGIN_VERSION}")
    return version


def _prepare_service() -> None:
    SERVICE_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("serverless.yml", "handler.py"):
        shutil.copy2(CONFIG_DIR / name, SERVICE_DIR / name)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # The runner spawns `python3` (the runtime name cut at the dot) from PATH. Put the same
    # real interpreter the fresh-process baseline uses first, not a pyenv shim (a shell
    # script that would add tens of ms to every cold start) nor whatever else is on PATH.
    env["PATH"] = os.path.dirname(PYTHON) + os.pathsep + env.get("PATH", "")
    env.pop("VIRTUAL_ENV", None)  # would put the venv's bin/ first again
    # serverless v3 wants credentials for the aws provider even though nothing is deployed;
    # no telemetry or update checks (there is no network here anyway).
    env.update(
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_REGION="us-east-1",
        SLS_TELEMETRY_DISABLED="1",
        SLS_TRACKING_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        SLS_DEPRECATION_DISABLE="*",
    )
    return env


class ServerlessOffline:
    """`serverless offline start` as a subprocess; use as a context manager."""

    def __init__(self, log_path: Path, *, every_invocation_cold: bool = False) -> None:
        self.log_path = log_path
        self.every_invocation_cold = every_invocation_cold
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    @property
    def argv(self) -> list[str]:
        argv = [
            str(SERVERLESS), "offline", "start",
            "--noPrependStageInUrl", "--noSponsor", "--noTimeout",
            "--host", HOST,
            "--lambdaPort", str(self.port),
            # The service has no http/websocket/alb events, but keep these off the defaults
            # anyway so that nothing else on the machine collides with them.
            "--httpPort", str(free_port()),
            "--websocketPort", str(free_port()),
            "--albPort", str(free_port()),
        ]  # fmt: skip
        if self.every_invocation_cold:
            argv += ["--reloadHandler", "--terminateIdleLambdaTime", "5"]
        return argv

    def start(self) -> ServerlessOffline:
        _prepare_service()
        self._proc, self.startup_s = launch_server(
            self.argv,
            self.log_path,
            _environment(),
            HOST,
            self.port,
            60,
            "serverless-offline",
            cwd=SERVICE_DIR,
        )
        return self

    def stop(self) -> None:
        """SIGTERM the whole process group (node and its python runners), then SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        # Runners that outlived node, or a node that ignored SIGTERM.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def __enter__(self) -> ServerlessOffline:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
