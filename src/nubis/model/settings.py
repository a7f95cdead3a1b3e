"""Settings, read once by `nubis serve` and passed down. Never read from globals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LogSettings:
    """How much function log output is kept (docs/logs.md)."""

    # Per environment: a token bucket; output beyond it is dropped with a marker line.
    rate_bytes_s: int = 2 * 1024 * 1024
    burst_bytes: int = 8 * 1024 * 1024
    line_max_bytes: int = 256 * 1024  # CloudWatch Logs' event size limit
    # On disk: the oldest data goes first when a log group or all of them exceed these,
    # and anything older than the retention.
    group_max_bytes: int = 256 * 1024 * 1024
    total_max_bytes: int = 2 * 1024 * 1024 * 1024
    retention_days: float = 30.0


@dataclass(frozen=True)
class EngineSettings:
    idle_timeout_s: float = 300.0  # an idle environment is reaped after this long
    max_environments: int = 256  # across all functions on this host
    # Sandboxed processes kept forked and half-confined per runtime for cold starts: a
    # burst of that many cold starts costs a fork each; beyond it, ~30 ms each until the
    # background refill catches up. Each costs ~4 MB and a network namespace while idle.
    blank_environments: int = 6
    # "auto": the Linux sandbox where the host allows it (root, namespaces, cgroups),
    # else plain processes with a loud warning; "on": the sandbox or refuse to start.
    isolation: str = "auto"
    logs: LogSettings = LogSettings()


@dataclass(frozen=True)
class ApiHttpSettings:
    """Timeouts of the Lambda API's connections (sizes are fixed in `nubis.http11`).
    Not applied to environments' Runtime APIs, whose peer may be frozen mid-request."""

    header_timeout_s: float = 10.0  # a request's head must arrive within this → 408
    body_timeout_s: float = 30.0  # longest silence while a body arrives → 408
    # A keep-alive connection without a request is closed after this (AWS's front ends
    # close idle connections too; boto3 reconnects transparently).
    idle_timeout_s: float = 60.0


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 9000
    data_dir: Path = Path("./data")
    region: str = "us-east-1"
    account_id: str = "000000000000"
    # Simultaneous executions of the whole account (Lambda's default quota); reserved
    # concurrency is carved out of it, and 100 always stay unreserved.
    account_concurrency: int = 1000
    engine: EngineSettings = EngineSettings()
    # On SIGTERM: stop accepting, give in-flight requests (sync invokes) and running async
    # events this long to finish, then stop; async events still running then are
    # delivered again after the next start (their lease is released at start-up).
    drain_timeout_s: float = 30.0
    http: ApiHttpSettings = ApiHttpSettings()

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}"
