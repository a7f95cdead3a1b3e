"""Typed requests into `control`: what a caller asks for, already off the wire.

The API layer builds these from an operation's parameters (`nubis.api.services.lambda_`);
control takes them and never sees a wire dictionary. Everything is as the caller gave it:
the rules (limits, defaults, what a name means) are control's.

Where an update changes only what it names, `None` means "not given" (keep the current
value) and an empty value means "given empty": `Environment={}` clears the variables,
`Layers=[]` removes the layers, `DeadLetterConfig={}` (`dead_letter_arn=""`) removes the
target, an empty `RoutingConfig` removes the weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeInput:
    """A code package as uploaded: the zip's bytes, and the names of the other ways of
    giving code the caller used (S3Bucket, ImageUri, ...), which Nubis refuses."""

    zip_file: bytes | None = None
    other: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoggingInput:
    """`LoggingConfig` as given; None: the member was not given."""

    log_format: str | None = None
    application_log_level: str | None = None
    system_log_level: str | None = None
    log_group: str | None = None


@dataclass(frozen=True)
class CreateFunctionRequest:
    function_name: str  # a name, partial ARN or ARN (unqualified)
    role: str
    code: CodeInput
    runtime: str | None = None
    handler: str | None = None
    package_type: str = "Zip"
    memory_size: int | None = None
    timeout: int | None = None
    ephemeral_storage: int | None = None  # EphemeralStorage.Size, MB
    environment: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    architectures: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[str, ...] = ()  # layer version ARNs, in order
    snap_start: str | None = None  # SnapStart.ApplyOn
    dead_letter_arn: str | None = None  # DeadLetterConfig.TargetArn
    publish: bool = False
    logging: LoggingInput | None = None


@dataclass(frozen=True)
class UpdateCodeRequest:
    function_name: str
    code: CodeInput
    revision_id: str | None = None
    dry_run: bool = False
    publish: bool = False


@dataclass(frozen=True)
class UpdateConfigurationRequest:
    """Only what is not None changes (see the module docstring for empty values)."""

    function_name: str
    revision_id: str | None = None
    runtime: str | None = None
    handler: str | None = None
    role: str | None = None
    description: str | None = None
    memory_size: int | None = None
    timeout: int | None = None
    ephemeral_storage: int | None = None
    environment: Mapping[str, str] | None = None
    snap_start: str | None = None  # SnapStart.ApplyOn ("None" when SnapStart came without it)
    dead_letter_arn: str | None = None  # "": DeadLetterConfig without a target (remove)
    layers: tuple[str, ...] | None = None
    logging: LoggingInput | None = None


@dataclass(frozen=True)
class CreateAliasRequest:
    function_name: str
    name: str
    function_version: str
    description: str = ""
    routing: Mapping[str, float] = field(default_factory=dict)  # version -> weight


@dataclass(frozen=True)
class UpdateAliasRequest:
    """Only what is given changes; `function_version` "" or None keeps the current one."""

    function_name: str
    name: str
    function_version: str | None = None
    description: str | None = None
    routing: Mapping[str, float] | None = None
    revision_id: str | None = None


@dataclass(frozen=True)
class PublishLayerRequest:
    layer_name: str  # a name or a layer ARN (without version)
    content: CodeInput
    description: str = ""
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    license_info: str | None = None


@dataclass(frozen=True)
class DestinationInput:
    """`DestinationConfig.OnSuccess`/`OnFailure` as given; `arn` None when the member came
    without a `Destination` (Put: none; Update: remove it)."""

    arn: str | None = None


@dataclass(frozen=True)
class EventInvokeConfigRequest:
    """Put/UpdateFunctionEventInvokeConfig; None: not given."""

    function_name: str
    qualifier: str | None = None
    max_retry_attempts: int | None = None
    max_event_age_s: int | None = None
    on_success: DestinationInput | None = None
    on_failure: DestinationInput | None = None
