"""The CloudWatch Logs API on the gateway (`X-Amz-Target: Logs_20140328.*`, signed for
`logs`): its operation table over the JSON 1.1 codec.

    logs_service(logs)  -> Service("logs", ...)

IAM: each operation is `logs:<Operation>` on the log group's ARN
(`arn:aws:logs:<region>:<account>:log-group:<name>:*`); DescribeLogGroups acts on no one
group ("*"); the tagging operations on the ARN they are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.api.json_codec import JsonCodec
from nubis.api.service import Operation, Resource, Service
from nubis.api.services.logs.codec import logs_error
from nubis.api.services.logs.ops import LogsOperations
from nubis.control.logs.service import LogsService

TARGET_PREFIX = "Logs_20140328"


def resource_of(logs: LogsService) -> Resource:
    def resource(params: Mapping[str, Any]) -> str:
        arn = params.get("resourceArn")
        if arn is not None:
            return str(arn)
        ident = params.get("logGroupIdentifier")
        if isinstance(ident, str) and ident.startswith("arn:"):
            return f"{ident.removesuffix(':*')}:*"
        name = params.get("logGroupName") or ident
        return logs.group_arn(name) if name else "*"

    return resource


def logs_service(logs: LogsService) -> Service:
    resource = resource_of(logs)
    table = {
        name: Operation(handler, f"logs:{name}", resource)
        for name, handler in LogsOperations(logs).handlers.items()
    }
    return Service("logs", JsonCodec("logs"), table, logs_error, target_prefixes=(TARGET_PREFIX,))


__all__ = ["TARGET_PREFIX", "logs_service", "resource_of"]
