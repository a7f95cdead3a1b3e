"""Settings, read once by `nubis serve` and passed down. Never read from globals.

The tree (`ServerSettings` and the settings it holds) is the one place defaults are
written. A field that `nubis serve` can set carries its `Flag` in its metadata (`flag()`):
the command's flags, their `NUBIS_*` variables and their help are derived from it
(`nubis.cli.flags`), so a new setting is one field here and nothing else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MB = 1024 * 1024
FLAG = "nubis.flag"  # the metadata key of a field's Flag


@dataclass(frozen=True)
class Flag:
    """How `nubis serve` reads one settings field.

    The value is read from the flag `name`, else from the environment variable `env`
    (`NUBIS_` and the flag's name: `--log-rate-mb` → `NUBIS_LOG_RATE_MB`), else it is
    the field's default. Text becomes a value by `parse` when given (it raises ValueError
    with a message for the user), else by the field's type; a number is then multiplied
    by `scale`, the field's units per flag unit (`--log-rate-mb` sets a field in bytes:
    `scale=MB`). `derive` returns other fields of the same settings that follow from
    the value.
    """

    name: str
    help: str
    scale: int = 1
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None
    derive: Callable[[Any], Mapping[str, Any]] | None = None

    @property
    def env(self) -> str:
        return "NUBIS_" + self.name.removeprefix("--").upper().replace("-", "_")


def flag(name: str, help: str, **options: Any) -> dict[str, Flag]:
    """The metadata of a field set by a flag: `field(default=..., metadata=flag(...))`."""
    return {FLAG: Flag(name, help, **options)}


@dataclass(frozen=True)
class LogSettings:
    """Function logs (docs/logs.md)"""

    # Per environment: a token bucket; output beyond it is dropped with a marker line.
    rate_bytes_s: int = field(
        default=2 * MB,
        metadata=flag(
            "--log-rate-mb", "MB/s of log output kept per environment; beyond it, dropped", scale=MB
        ),
    )
    burst_bytes: int = field(
        default=8 * MB,
        metadata=flag(
            "--log-burst-mb", "MB of log output an environment may write at once", scale=MB
        ),
    )
    line_max_bytes: int = 256 * 1024  # CloudWatch Logs' event size limit
    # On disk: the oldest data goes first when a log group or all of them exceed these,
    # and anything older than the retention.
    group_max_bytes: int = field(
        default=256 * MB,
        metadata=flag(
            "--log-group-max-mb", "MB of logs kept per function (oldest removed first)", scale=MB
        ),
    )
    total_max_bytes: int = field(
        default=2048 * MB,
        metadata=flag(
            "--log-total-max-mb", "MB of logs kept in all (oldest removed first)", scale=MB
        ),
    )
    retention_days: float = field(
        default=30.0, metadata=flag("--log-retention-days", "days logs are kept")
    )


@dataclass(frozen=True)
class EngineSettings:
    """Execution environments"""

    # An idle environment is reaped after this long.
    idle_timeout_s: float = field(
        default=300.0, metadata=flag("--idle-timeout", "seconds an idle environment is kept")
    )
    max_environments: int = field(
        default=256,
        metadata=flag("--max-environments", "environments across all functions"),
    )
    # Sandboxed processes kept forked and half-confined per runtime for cold starts: a
    # burst of that many cold starts costs a fork each; beyond it, ~30 ms each until the
    # background refill catches up. Each costs ~4 MB and a network namespace while idle.
    blank_environments: int = field(
        default=6,
        metadata=flag(
            "--blank-environments",
            "sandboxed processes kept ready per runtime for bursts of cold starts",
        ),
    )
    # "auto": the Linux sandbox where the host allows it (root, namespaces, cgroups),
    # else plain processes with a loud warning; "on": the sandbox or refuse to start.
    isolation: str = field(
        default="auto",
        metadata=flag(
            "--isolation",
            "sandbox environments: auto (where the host allows), on (or fail), off",
            choices=("auto", "on", "off"),
        ),
    )
    logs: LogSettings = LogSettings()


@dataclass(frozen=True)
class ApiHttpSettings:
    """Connections of the Lambda API (sizes are fixed in `nubis.http11`)

    Not applied to environments' Runtime APIs, whose peer may be frozen mid-request."""

    header_timeout_s: float = field(
        default=10.0,
        metadata=flag(
            "--http-header-timeout", "seconds a client has to send a request's headers, else 408"
        ),
    )
    body_timeout_s: float = field(
        default=30.0,
        metadata=flag("--http-body-timeout", "seconds a request body may stall, else 408"),
    )
    # A keep-alive connection without a request is closed after this (AWS's front ends
    # close idle connections too; boto3 reconnects transparently).
    idle_timeout_s: float = field(
        default=60.0,
        metadata=flag("--http-idle-timeout", "seconds an idle keep-alive connection is kept open"),
    )


# Lambda retries a function error after 1 minute, then after 2 minutes.
DEFAULT_RETRY_DELAYS_S = (60.0, 120.0)


def parse_retry_delays(text: str) -> tuple[float, ...]:
    """`60,120` → (60.0, 120.0): seconds, none negative, at least one."""
    try:
        delays = tuple(float(d) for d in text.split(",") if d.strip())
    except ValueError:
        delays = ()
    if not delays or any(d < 0 for d in delays):
        raise ValueError("comma-separated seconds, e.g. 60,120")
    return delays


def _backoff_for(delays: tuple[float, ...]) -> dict[str, float]:
    # Throttles back off from 1 s, or faster when function errors are retried faster
    # (development settings such as `1,2` or `0`).
    return {"backoff_base_s": min(1.0, delays[0]) if delays[0] > 0 else 0.1}


@dataclass(frozen=True)
class AsyncSettings:
    """Asynchronous invocation (docs/async.md)

    `retry_delays_s[i]` is the pause before retry i+1 after a function error (Lambda:
    60 s then 120 s; `--async-retry-delays 1,2` makes that 1 s then 2 s for development).
    Throttles and system errors back off from `backoff_base_s`, doubling up to
    `backoff_max_s`, until the event's maximum age.
    """

    retry_delays_s: tuple[float, ...] = field(
        default=DEFAULT_RETRY_DELAYS_S,
        metadata=flag(
            "--async-retry-delays",
            "seconds before each retry of a failed async event; the default is Lambda's",
            parse=parse_retry_delays,
            derive=_backoff_for,
        ),
    )
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    # Events run at once by this server, all functions together.
    concurrency: int = field(
        default=64,
        metadata=flag(
            "--async-concurrency",
            "async events run at once; the rest of the capacity stays for sync calls",
        ),
    )
    lease_s: float = 960.0  # longer than the longest function timeout (900 s)


@dataclass(frozen=True)
class ServerSettings:
    """The server"""

    host: str = field(default="127.0.0.1", metadata=flag("--host", "address to listen on"))
    # "auto": open when the server listens on loopback only, iam otherwise (`auth_mode`).
    auth: str = field(
        default="auto",
        metadata=flag(
            "--auth",
            "open (any credentials, nothing checked) or iam (SigV4 and IAM policies); "
            "auto: open on loopback, iam elsewhere",
            choices=("auto", "open", "iam"),
        ),
    )
    port: int = field(default=9000, metadata=flag("--port", "port of the Lambda and SQS APIs"))
    data_dir: Path = field(
        default=Path("./data"),
        metadata=flag(
            "--data-dir",
            "where functions, code, events and logs are kept; one server per data dir",
        ),
    )
    region: str = field(
        default="us-east-1", metadata=flag("--region", "region in ARNs and environments")
    )
    account_id: str = field(
        default="000000000000", metadata=flag("--account-id", "account id in ARNs")
    )
    # Simultaneous executions of the whole account (Lambda's default quota); reserved
    # concurrency is carved out of it, and 100 always stay unreserved.
    account_concurrency: int = field(
        default=1000,
        metadata=flag(
            "--account-concurrency", "simultaneous executions of the account; 100 stay unreserved"
        ),
    )
    # On SIGTERM: stop accepting, give in-flight requests (sync invokes) and running async
    # events this long to finish, then stop; async events still running then are
    # delivered again after the next start (their lease is released at start-up).
    drain_timeout_s: float = field(
        default=30.0,
        metadata=flag(
            "--drain-timeout",
            "on SIGTERM/SIGINT, seconds in-flight invocations get to finish before the "
            "server stops; a second signal stops at once",
        ),
    )
    log_level: str = field(
        default="INFO", metadata=flag("--log-level", "DEBUG, INFO, WARNING or ERROR")
    )
    engine: EngineSettings = EngineSettings()
    async_: AsyncSettings = AsyncSettings()
    http: ApiHttpSettings = ApiHttpSettings()

    @property
    def auth_mode(self) -> str:
        """ "open" or "iam": `auth` as given, or for "auto" by the address listened on."""
        if self.auth != "auto":
            return self.auth
        return "open" if is_loopback(self.host) else "iam"

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) reaches this machine only: `localhost` or a
    loopback address. Any other name may resolve elsewhere, so it is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
