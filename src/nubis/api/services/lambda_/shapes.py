"""Nubis data as Lambda's output shapes."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from nubis.model import limits
from nubis.model.function import AccountSettings, FunctionConfig
from nubis.model.versions import ProvisionedStatus


def function_configuration(config: FunctionConfig, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": arn,
        "Runtime": config.runtime,
        "Role": config.role,
        "Handler": config.handler,
        "CodeSize": config.code_size,
        "Description": config.description,
        "Timeout": config.timeout,
        "MemorySize": config.memory_size,
        "LastModified": config.last_modified,
        "CodeSha256": base64.b64encode(bytes.fromhex(config.code_sha256)).decode(),
        "Version": config.version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": config.revision_id,
        "State": config.state,
        "LastUpdateStatus": config.last_update_status,
        "PackageType": config.package_type,
        "Architectures": list(config.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage},
        "SnapStart": {
            "ApplyOn": config.snap_start,
            "OptimizationStatus": "On" if config.snap_start_on else "Off",
        },
        "LoggingConfig": logging_config(config),
        "RuntimeVersionConfig": {"RuntimeVersionArn": runtime_version_arn(config.runtime, arn)},
        "Environment": {"Variables": dict(config.environment)},
    }
    if config.dead_letter_arn:
        out["DeadLetterConfig"] = {"TargetArn": config.dead_letter_arn}
    if config.layers:
        out["Layers"] = [{"Arn": layer.arn, "CodeSize": layer.code_size} for layer in config.layers]
    return out


def logging_config(config: FunctionConfig) -> dict[str, Any]:
    """LoggingConfig as Lambda reports it: the format and group always, the levels under
    JSON (INFO when not set)."""
    logging = config.logging
    out: dict[str, Any] = {"LogFormat": logging.log_format}
    if logging.log_format == "JSON":
        out["ApplicationLogLevel"] = logging.application_log_level or "INFO"
        out["SystemLogLevel"] = logging.system_log_level or "INFO"
    out["LogGroup"] = config.log_group
    return out


def runtime_version_arn(runtime: str, function_arn: str) -> str:
    """Lambda's runtime version ARN (arn:aws:lambda:<region>::runtime:<64 hex>): one per
    runtime of this host, stable across calls (Lambda's names a build of the runtime)."""
    region = function_arn.split(":")[3]
    digest = hashlib.sha256(f"nubis-runtime:{runtime}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def account_settings(settings: AccountSettings) -> dict[str, Any]:
    return {
        "AccountLimit": {
            "TotalCodeSize": limits.CODE_STORAGE_LIMIT_BYTES,
            "CodeSizeUnzipped": limits.UNZIPPED_MAX_BYTES,
            "CodeSizeZipped": limits.ZIPPED_MAX_BYTES,
            "ConcurrentExecutions": settings.concurrency_limit,
            "UnreservedConcurrentExecutions": settings.unreserved_concurrency,
        },
        "AccountUsage": {
            "TotalCodeSize": settings.total_code_size,
            "FunctionCount": settings.function_count,
        },
    }


def provisioned_config(status: ProvisionedStatus) -> dict[str, Any]:
    out: dict[str, Any] = {
        "RequestedProvisionedConcurrentExecutions": status.config.requested,
        "AvailableProvisionedConcurrentExecutions": status.available,
        "AllocatedProvisionedConcurrentExecutions": status.available,
        "Status": status.status,
        "LastModified": status.config.last_modified,
    }
    if status.reason:
        out["StatusReason"] = status.reason
    return out
