"""IAM on the gateway (AWS query protocol, signed for `iam`): its operation table over
`ModelCodec(codec_for("iam"))`, each operation with its IAM action and resource.

    iam_service(users, roles, policies, account)  -> Service("iam", ...)

IAM is a global service: botocore signs it for `us-east-1` and the credential scope's
service `iam`, which is how the gateway finds it (`--endpoint-url` or not).

Required members are checked here, before any handler, from the model (`required` of
each input shape), with IAM's ValidationError message: the query codec reads the form
as sent and leaves presence to the service.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from nubis.api.model_codec import ModelCodec
from nubis.api.protocols import codec_for
from nubis.api.protocols.shapes import load_service
from nubis.api.service import (
    Handler,
    Operation,
    OperationRequest,
    OperationResult,
    Resource,
    Service,
)
from nubis.api.services.iam.ops import PolicyOperations, RoleOperations, UserOperations
from nubis.control.iam.policies import PolicyService
from nubis.control.iam.roles import RoleService
from nubis.control.iam.users import UserService
from nubis.model import iam_errors as e
from nubis.model.errors import NubisError, ServiceException

log = logging.getLogger(__name__)

MSG_NULL = (
    "1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
    "Member must not be null"
)


def _camel(member: str) -> str:
    """IAM's spelling of a member in its messages: `UserName` -> `userName`."""
    return re.sub(r"^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]", lambda m: m.group(0).lower(), member)


def require(service_name: str, operation: str, handler: Handler) -> Handler:
    """`handler`, after a check that the operation's required members are present."""
    shape = load_service(service_name).operation_model(operation).input_shape
    required = tuple(shape.required_members) if shape is not None else ()
    if not required:
        return handler

    async def checked(request: OperationRequest) -> OperationResult:
        for member in required:
            if request.params.get(member) is None:
                raise e.IamValidationError(MSG_NULL.format(member=_camel(member)))
        return await handler(request)

    return checked


def resource_of(account: str, operation: str) -> Resource:
    """The ARN an operation acts on, by the member that names it (path left out)."""

    def resource(params: Mapping[str, Any]) -> str:
        if params.get("PolicyArn"):
            return str(params["PolicyArn"])
        if params.get("RoleName") and "Role" in operation:
            return f"arn:aws:iam::{account}:role/{params['RoleName']}"
        if params.get("UserName"):
            return f"arn:aws:iam::{account}:user/{params['UserName']}"
        return "*"

    return resource


def iam_error(error: NubisError) -> NubisError:
    """The tree's errors as IAM sends them (`Service.errors`)."""
    if isinstance(error, ServiceException):
        log.error("IAM request failed: %s", error.message)
        return e.ServiceFailure(error.message)
    return error


def iam_service(
    users: UserService, roles: RoleService, policies: PolicyService, account: str
) -> Service:
    handlers = {
        **UserOperations(users).handlers,
        **RoleOperations(roles).handlers,
        **PolicyOperations(policies).handlers,
    }
    table = {
        name: Operation(require("iam", name, h), f"iam:{name}", resource_of(account, name))
        for name, h in handlers.items()
    }
    return Service("iam", ModelCodec(codec_for("iam")), table, iam_error)


__all__ = ["iam_error", "iam_service", "require", "resource_of"]
