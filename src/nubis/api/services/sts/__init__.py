"""STS on the gateway (AWS query protocol, signed for `sts`): GetCallerIdentity,
AssumeRole and GetSessionToken over `ModelCodec(codec_for("sts"))`; the rules are
`nubis.control.iam.sts`'s.

    sts_service(sts)  -> Service("sts", ...)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from nubis.api.model_codec import ModelCodec
from nubis.api.protocols import codec_for
from nubis.api.service import Handler, Operation, OperationRequest, OperationResult, Service
from nubis.api.services.iam import require
from nubis.api.services.iam.wire import Members, timestamp
from nubis.control.iam.sts import AssumeRole, StsService
from nubis.model import iam_errors as e
from nubis.model.errors import NubisError, ServiceException
from nubis.model.iam import Session

log = logging.getLogger(__name__)


def _credentials(s: Session) -> Members:
    return {
        "AccessKeyId": s.access_key_id,
        "SecretAccessKey": s.secret,
        "SessionToken": s.session_token,
        "Expiration": timestamp(s.expires),
    }


class StsOperations:
    def __init__(self, sts: StsService) -> None:
        self._sts = sts
        self.handlers: dict[str, Handler] = {
            "GetCallerIdentity": self.get_caller_identity,
            "AssumeRole": self.assume_role,
            "GetSessionToken": self.get_session_token,
        }

    async def get_caller_identity(self, r: OperationRequest) -> OperationResult:
        caller = await self._sts.caller(r.principal.access_key)
        return OperationResult(
            {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}
        )

    async def assume_role(self, r: OperationRequest) -> OperationResult:
        p = r.params
        request = AssumeRole(
            role_arn=p["RoleArn"],
            session_name=p["RoleSessionName"],
            caller_key=r.principal.access_key,
            duration=p.get("DurationSeconds"),
            policy=p.get("Policy"),
        )
        assumed = await self._sts.assume_role(request)
        out: Members = {
            "Credentials": _credentials(assumed.session),
            "AssumedRoleUser": {
                "AssumedRoleId": assumed.assumed_role_id,
                "Arn": assumed.session.arn,
            },
        }
        if assumed.session.session_policy is not None:
            size = len(assumed.session.session_policy) * 100 // 2048
            out["PackedPolicySize"] = max(1, size)
        return OperationResult(out)

    async def get_session_token(self, r: OperationRequest) -> OperationResult:
        session = await self._sts.get_session_token(
            r.principal.access_key, r.params.get("DurationSeconds")
        )
        return OperationResult({"Credentials": _credentials(session)})


def _resource(params: Mapping[str, Any]) -> str:
    return str(params.get("RoleArn") or "*")


def sts_error(error: NubisError) -> NubisError:
    """The tree's errors as STS sends them (`Service.errors`)."""
    if isinstance(error, ServiceException):
        log.error("STS request failed: %s", error.message)
        return e.InternalFailure(error.message)
    return error


def sts_service(sts: StsService) -> Service:
    table = {
        name: Operation(require("sts", name, handler), f"sts:{name}", _resource)
        for name, handler in StsOperations(sts).handlers.items()
    }
    return Service("sts", ModelCodec(codec_for("sts")), table, sts_error)


__all__ = ["StsOperations", "sts_error", "sts_service"]
