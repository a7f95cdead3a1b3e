"""AWS managed policies that functions' roles are commonly given, as AWS publishes them
(the AWS Managed Policy Reference: name, path, default version, creation time, document).
They are read-only: they can be read, listed (`Scope=AWS`) and attached, and their
documents count for a role's or user's identity-based policies like any other.

`find_policy(store, arn)` is the one lookup of a managed policy by ARN: the account's
own from the store, else one of these.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from nubis.model.iam import ManagedPolicy, PolicyVersion
from nubis.store.iam import IamStore

AWS_ACCOUNT = "aws"


def _policy(
    name: str, path: str, created: str, statement: list[dict[str, object]]
) -> ManagedPolicy:
    arn = f"arn:aws:iam::{AWS_ACCOUNT}:policy{path}{name}"
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    when = dt.datetime.fromisoformat(created).timestamp()
    document = json.dumps({"Version": "2012-10-17", "Statement": statement})
    return ManagedPolicy(
        name=name,
        policy_id="ANPA" + digest[:17],
        arn=arn,
        path=path,
        created=when,
        updated=when,
        default_version="v1",
        versions=(PolicyVersion("v1", document, when),),
        next_version=2,
    )


_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
AWS_POLICIES: dict[str, ManagedPolicy] = {
    p.arn: p
    for p in (
        _policy(
            "AdministratorAccess",
            "/",
            "2015-02-06T18:39:46+00:00",
            [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        ),
        _policy(
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
            "2015-04-09T15:03:43+00:00",
            [{"Effect": "Allow", "Action": _LOGS, "Resource": "*"}],
        ),
        _policy(
            "AWSLambdaRole",
            "/service-role/",
            "2015-02-06T18:41:09+00:00",
            [{"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": ["*"]}],
        ),
    )
}


async def find_policy(store: IamStore, arn: str) -> ManagedPolicy | None:
    return AWS_POLICIES.get(arn) or await store.get_policy(arn)
