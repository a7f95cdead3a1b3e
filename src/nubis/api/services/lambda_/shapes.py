"""Nubis data as Lambda's output shapes."""

from __future__ import annotations

import base64
from typing import Any

from nubis.model.function import FunctionConfig


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
