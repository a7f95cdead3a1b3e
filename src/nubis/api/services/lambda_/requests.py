"""Lambda's wire parameters as control's typed requests (`nubis.model.requests`).

Translation only: what was given and what was not (an absent member is None, a member
given empty stays empty); defaults and checks are control's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.model.requests import (
    CodeInput,
    CreateAliasRequest,
    CreateFunctionRequest,
    DestinationInput,
    EventInvokeConfigRequest,
    LoggingInput,
    PublishLayerRequest,
    UpdateAliasRequest,
    UpdateCodeRequest,
    UpdateConfigurationRequest,
)

Params = Mapping[str, Any]

# The members of UpdateFunctionCode that give code another way than ZipFile.
_OTHER_CODE = ("S3Bucket", "ImageUri")


def _code(code: Params) -> CodeInput:
    zip_file = code.get("ZipFile")
    return CodeInput(
        zip_file=None if zip_file is None else bytes(zip_file),
        other=tuple(k for k in code if k != "ZipFile"),
    )


def _variables(environment: Params | None) -> dict[str, str]:
    return dict((environment or {}).get("Variables") or {})


def _apply_on(snap_start: Params | None) -> str | None:
    return None if snap_start is None else str(snap_start.get("ApplyOn") or "None")


def _target(dead_letter: Params | None) -> str | None:
    return None if dead_letter is None else str(dead_letter.get("TargetArn") or "")


def _logging(config: Params | None) -> LoggingInput | None:
    if config is None:
        return None
    return LoggingInput(
        log_format=config.get("LogFormat"),
        application_log_level=config.get("ApplicationLogLevel"),
        system_log_level=config.get("SystemLogLevel"),
        log_group=config.get("LogGroup"),
    )


def create_function(p: Params) -> CreateFunctionRequest:
    return CreateFunctionRequest(
        function_name=p["FunctionName"],
        role=p["Role"],
        code=_code(p["Code"]),
        runtime=p.get("Runtime"),
        handler=p.get("Handler"),
        package_type=p.get("PackageType", "Zip"),
        memory_size=p.get("MemorySize"),
        timeout=p.get("Timeout"),
        ephemeral_storage=(p.get("EphemeralStorage") or {}).get("Size"),
        environment=_variables(p.get("Environment")),
        description=p.get("Description") or "",
        architectures=tuple(p.get("Architectures") or ()),
        tags=dict(p.get("Tags") or {}),
        layers=tuple(p.get("Layers") or ()),
        snap_start=_apply_on(p.get("SnapStart")),
        dead_letter_arn=_target(p.get("DeadLetterConfig")),
        publish=bool(p.get("Publish")),
        logging=_logging(p.get("LoggingConfig")),
    )


def update_code(p: Params) -> UpdateCodeRequest:
    zip_file = p.get("ZipFile")
    return UpdateCodeRequest(
        function_name=p["FunctionName"],
        code=CodeInput(
            zip_file=None if zip_file is None else bytes(zip_file),
            other=tuple(k for k in p if k in _OTHER_CODE),
        ),
        revision_id=p.get("RevisionId"),
        dry_run=bool(p.get("DryRun")),
        publish=bool(p.get("Publish")),
    )


def update_configuration(p: Params) -> UpdateConfigurationRequest:
    layers = p.get("Layers")
    return UpdateConfigurationRequest(
        function_name=p["FunctionName"],
        revision_id=p.get("RevisionId"),
        runtime=p.get("Runtime"),
        handler=p.get("Handler"),
        role=p.get("Role"),
        description=p.get("Description"),
        memory_size=p.get("MemorySize"),
        timeout=p.get("Timeout"),
        ephemeral_storage=(p.get("EphemeralStorage") or {}).get("Size"),
        # Present (even empty) replaces the variables; absent keeps them.
        environment=_variables(p["Environment"]) if "Environment" in p else None,
        snap_start=_apply_on(p.get("SnapStart")),
        dead_letter_arn=_target(p.get("DeadLetterConfig")),
        layers=None if layers is None else tuple(layers),
        logging=_logging(p.get("LoggingConfig")),
    )


def _routing(config: Params | None) -> dict[str, float]:
    weights = (config or {}).get("AdditionalVersionWeights") or {}
    return {str(k): float(v) for k, v in weights.items()}


def create_alias(p: Params) -> CreateAliasRequest:
    return CreateAliasRequest(
        function_name=p["FunctionName"],
        name=p["Name"],
        function_version=p["FunctionVersion"],
        description=p.get("Description") or "",
        routing=_routing(p.get("RoutingConfig")),
    )


def update_alias(p: Params) -> UpdateAliasRequest:
    routing = p.get("RoutingConfig")
    return UpdateAliasRequest(
        function_name=p["FunctionName"],
        name=p["Name"],
        function_version=p.get("FunctionVersion"),
        description=p.get("Description"),
        routing=None if routing is None else _routing(routing),
        revision_id=p.get("RevisionId"),
    )


def publish_layer(p: Params) -> PublishLayerRequest:
    return PublishLayerRequest(
        layer_name=p["LayerName"],
        content=_code(p.get("Content") or {}),
        description=p.get("Description") or "",
        compatible_runtimes=tuple(p.get("CompatibleRuntimes") or ()),
        compatible_architectures=tuple(p.get("CompatibleArchitectures") or ()),
        license_info=p.get("LicenseInfo"),
    )


def _destination(destinations: Params, which: str) -> DestinationInput | None:
    if which not in destinations:
        return None
    return DestinationInput((destinations[which] or {}).get("Destination"))


def event_invoke_config(p: Params) -> EventInvokeConfigRequest:
    destinations = p.get("DestinationConfig") or {}
    return EventInvokeConfigRequest(
        function_name=p["FunctionName"],
        qualifier=p.get("Qualifier"),
        max_retry_attempts=p.get("MaximumRetryAttempts"),
        max_event_age_s=p.get("MaximumEventAgeInSeconds"),
        on_success=_destination(destinations, "OnSuccess"),
        on_failure=_destination(destinations, "OnFailure"),
    )
