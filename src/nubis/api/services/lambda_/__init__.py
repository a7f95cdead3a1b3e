"""Lambda on the gateway: its operation table (handler, IAM action, resource per
operation) over the REST-JSON codec.

    lambda_service(functions, handlers)  -> Service("lambda", ...)

The handlers are `LambdaOperations`, `VersionOperations` and `AsyncOperations`
(`ops.py`, `version_ops.py`, `async_ops.py`): translation only, the rules are in
`nubis.control`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.api.service import Handler, Operation, Resource, Service
from nubis.api.services.lambda_.codec import LambdaCodec
from nubis.control.functions import FunctionService
from nubis.control.layers import layer_arn

# IAM actions whose name is not `lambda:<Operation>` (the Service Authorization
# Reference's "Actions defined by AWS Lambda").
_ACTIONS = {
    "Invoke": "lambda:InvokeFunction",
    "InvokeAsync": "lambda:InvokeFunction",
    "InvokeWithResponseStream": "lambda:InvokeFunction",
    "GetLayerVersionByArn": "lambda:GetLayerVersion",
}


def action_of(operation: str) -> str:
    return _ACTIONS.get(operation, f"lambda:{operation}")


def resource_of(functions: FunctionService) -> Resource:
    """The ARN an operation acts on, from its params: the function (qualified as asked),
    the layer (version), the tagged resource, or "*" (ListFunctions, GetAccountSettings)."""

    def resource(params: Mapping[str, Any]) -> str:
        name = params.get("FunctionName")
        if name is not None:
            ref = functions.parse_ref(name, params.get("Qualifier"))
            return functions.arn(ref.name, ref.qualifier)
        layer = params.get("LayerName")
        if layer is not None:
            if str(layer).startswith("arn:"):
                return str(layer)
            return layer_arn(functions.account, layer, params.get("VersionNumber"))
        for key in ("Arn", "Resource"):
            if params.get(key) is not None:
                return str(params[key])
        return "*"

    return resource


def lambda_service(functions: FunctionService, handlers: Mapping[str, Handler]) -> Service:
    resource = resource_of(functions)
    table = {
        name: Operation(handler, action_of(name), resource) for name, handler in handlers.items()
    }
    return Service("lambda", LambdaCodec(), table)


__all__ = ["action_of", "lambda_service", "resource_of"]
