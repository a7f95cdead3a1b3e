"""Functions and invocations as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LATEST = "$LATEST"


@dataclass(frozen=True)
class LayerRef:
    """A layer version a function uses, as it was when attached (it outlives a deletion of
    the layer version, as in Lambda)."""

    arn: str
    code_sha256: str  # hex; the blob store's key
    code_size: int
    unzipped_size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "code_sha256": self.code_sha256,
            "code_size": self.code_size,
            "unzipped_size": self.unzipped_size,
        }


@dataclass(frozen=True)
class LoggingSettings:
    """A function's `LoggingConfig` as stored. Levels apply to the JSON format only; None
    is "not set" (Lambda reports INFO for both under JSON). `log_group` None is the
    default group, `/aws/lambda/<name>`."""

    log_format: str = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    log_group: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "log_format": self.log_format,
            "application_log_level": self.application_log_level,
            "system_log_level": self.system_log_level,
            "log_group": self.log_group,
        }


@dataclass(frozen=True)
class FunctionConfig:
    """One function's configuration as stored: `$LATEST`, or a published version
    (`version` "1", "2", ...) which never changes."""

    name: str
    runtime: str
    handler: str
    role: str
    code_sha256: str  # hex digest of the zip; the blob store's key
    code_size: int
    memory_size: int
    timeout: int
    ephemeral_storage: int
    environment: Mapping[str, str]
    description: str
    architectures: tuple[str, ...]
    last_modified: str  # Lambda's format: 2024-01-01T00:00:00.000+0000
    revision_id: str
    version: str = LATEST
    state: str = "Active"
    last_update_status: str = "Successful"
    package_type: str = "Zip"
    tags: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[LayerRef, ...] = ()
    snap_start: str = "None"  # SnapStart.ApplyOn: "PublishedVersions" or "None"
    dead_letter_arn: str | None = None  # DeadLetterConfig.TargetArn (an SQS queue)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    # A published version: the RevisionId of $LATEST it was published from (PublishVersion
    # publishes again only once $LATEST has a new revision). None on $LATEST.
    source_revision: str | None = None
    # PutRuntimeManagementConfig: "Auto", "FunctionUpdate" or "Manual" (with the ARN).
    runtime_update_on: str = "Auto"
    runtime_version_arn: str | None = None
    recursive_loop: str = "Terminate"  # PutFunctionRecursionConfig: "Allow" or "Terminate"

    @property
    def log_group(self) -> str:
        return self.logging.log_group or f"/aws/lambda/{self.name}"

    @property
    def snap_start_on(self) -> bool:
        """SnapStart applies: a published version of a function that asked for it."""
        return self.snap_start == "PublishedVersions" and self.version != LATEST

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "runtime": self.runtime,
            "handler": self.handler,
            "role": self.role,
            "code_sha256": self.code_sha256,
            "code_size": self.code_size,
            "memory_size": self.memory_size,
            "timeout": self.timeout,
            "ephemeral_storage": self.ephemeral_storage,
            "environment": dict(self.environment),
            "description": self.description,
            "architectures": list(self.architectures),
            "last_modified": self.last_modified,
            "revision_id": self.revision_id,
            "version": self.version,
            "state": self.state,
            "last_update_status": self.last_update_status,
            "package_type": self.package_type,
            "tags": dict(self.tags),
            "layers": [layer.to_json() for layer in self.layers],
            "snap_start": self.snap_start,
            "dead_letter_arn": self.dead_letter_arn,
            "logging": self.logging.to_json(),
            "source_revision": self.source_revision,
            "runtime_update_on": self.runtime_update_on,
            "runtime_version_arn": self.runtime_version_arn,
            "recursive_loop": self.recursive_loop,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FunctionConfig:
        d = dict(data)
        d["environment"] = dict(d.get("environment", {}))
        d["architectures"] = tuple(d.get("architectures", ("x86_64",)))
        d["tags"] = dict(d.get("tags", {}))
        d["layers"] = tuple(LayerRef(**layer) for layer in d.get("layers", ()))
        d["logging"] = LoggingSettings(**d.get("logging", {}))
        return cls(**d)


@dataclass(frozen=True)
class FunctionSpec:
    """Everything the engine needs to run one function version; handed over by control.

    `key` identifies this exact code + configuration: environments are pooled per key, and
    a new key for the same function means the old environments are retired.
    """

    key: str
    function_name: str
    function_arn: str  # unqualified
    version: str
    runtime: str
    handler: str
    code_dir: Path  # the unpacked package, read-only
    memory_mb: int
    timeout_s: int
    ephemeral_mb: int
    environment: Mapping[str, str]  # the function's own variables
    log_group: str  # /aws/lambda/<name>
    # Simultaneous invocations of this function (all its versions together) the engine
    # admits; more are throttled. None: no reservation (only the engine's own cap applies).
    reserved_concurrency: int | None = None
    # The function's layers merged into one read-only directory (to appear at /opt once
    # the sandbox mounts it; until then the engine points the search paths into it).
    opt_dir: Path | None = None
    # SnapStart: environments of this (published) version are initialised ahead of time
    # and a cold start restores one (reported with Restore Duration, no Init Duration).
    snap_start: bool = False


@dataclass(frozen=True)
class InvokeRequest:
    """One invocation as the engine receives it."""

    request_id: str
    payload: bytes
    invoked_arn: str
    client_context: str | None = None  # JSON text (already base64-decoded)
    cognito_identity: str | None = None  # JSON text
    trace_id: str | None = None
    tail_logs: bool = False


@dataclass(frozen=True)
class InvokeResult:
    """What came back. `function_error` is "Unhandled" when the function failed."""

    payload: bytes
    function_error: str | None = None
    log_tail: str | None = None  # the last 4 KB of this invocation's log, raw text
    executed_version: str = LATEST


@dataclass(frozen=True)
class AccountSettings:
    """GetAccountSettings: the account's concurrency and what its functions use."""

    concurrency_limit: int
    unreserved_concurrency: int
    total_code_size: int  # bytes of every function's $LATEST package
    function_count: int
