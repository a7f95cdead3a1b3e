"""What IAM keeps survives a restart of the server (users, keys with their secrets, roles,
policies, sessions); and the aws CLI v1 speaks to IAM and STS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.compat.iam.conftest import ACCOUNT, ROOT_ARN, allow, client, trust
from tests.helpers import Server, running_server


def test_restart_keeps_users_keys_roles_and_policies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server:
        iam = client("iam", server.endpoint)
        iam.create_user(UserName="keeper")
        key = iam.create_access_key(UserName="keeper")["AccessKey"]
        iam.create_role(RoleName="kept", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))
        arn = iam.create_policy(PolicyName="kept-p", PolicyDocument=allow("s3:*"))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="kept", PolicyArn=arn)
        role_arn = iam.get_role(RoleName="kept")["Role"]["Arn"]
        temporary = client("sts", server.endpoint).assume_role(
            RoleArn=role_arn, RoleSessionName="before"
        )["Credentials"]
    assert (tmp_path / ".data.iam-key").stat().st_mode & 0o777 == 0o600
    with running_server(data) as server:
        iam = client("iam", server.endpoint)
        assert iam.get_user(UserName="keeper")["User"]["UserName"] == "keeper"
        listed = iam.list_access_keys(UserName="keeper")["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
        attached = iam.list_attached_role_policies(RoleName="kept")["AttachedPolicies"]
        assert [a["PolicyArn"] for a in attached] == [arn]
        own = client("sts", server.endpoint, key["AccessKeyId"], key["SecretAccessKey"])
        assert own.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/keeper"
        session = client(
            "sts",
            server.endpoint,
            temporary["AccessKeyId"],
            temporary["SecretAccessKey"],
            aws_session_token=temporary["SessionToken"],
        )
        assert session.get_caller_identity()["Arn"].endswith(":assumed-role/kept/before")


def aws(endpoint: str, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    cli = Path(sys.executable).with_name("aws")
    out = subprocess.run(
        [str(cli), "--endpoint-url", endpoint, "--output", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_aws_cli(server: Server, uid: str) -> None:
    ep = server.endpoint
    user = aws(ep, "iam", "create-user", "--user-name", f"cli-{uid}")["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/cli-{uid}"
    document = trust({"AWS": ACCOUNT})
    aws(
        ep,
        "iam",
        "create-role",
        "--role-name",
        f"cli-{uid}",
        "--assume-role-policy-document",
        document,
    )
    got = aws(ep, "iam", "get-role", "--role-name", f"cli-{uid}")["Role"]
    assert got["AssumeRolePolicyDocument"] == json.loads(document)
    assert aws(ep, "sts", "get-caller-identity")["Arn"] == ROOT_ARN
    aws(ep, "iam", "delete-role", "--role-name", f"cli-{uid}")
    aws(ep, "iam", "delete-user", "--user-name", f"cli-{uid}")
