"""Nubis data as Lambda's output shapes."""

from __future__ import annotations

import base64
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
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{config.name}"},
    }
    if config.environment:
        out["Environment"] = {"Variables": dict(config.environment)}
    if config.dead_letter_arn:
        out["DeadLetterConfig"] = {"TargetArn": config.dead_letter_arn}
    if config.layers:
        out["Layers"] = [{"Arn": layer.arn, "CodeSize": layer.code_size} for layer in config.layers]
    return out


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
