"""`nubis serve --auth iam` through real clients: every request verified (errors as AWS
sends them, per protocol), every operation authorized by IAM's policies, the first
start's administrator and its credentials file (boto3, the `nubis` CLI, the aws CLI v1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import botocore.auth
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from tests.compat.auth.conftest import ACCOUNT, client, error_of
from tests.helpers import Server, create

MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
HELLO = "def handler(event, context):\n    return {'hello': event.get('who')}\n"

Admin = Callable[[str], Any]


def allow(*actions: str) -> str:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def new_user(admin: Admin) -> tuple[str, str, str]:
    """(name, access key, secret) of a new user without policies."""
    name = f"u-{uuid.uuid4().hex[:10]}"
    admin("iam").create_user(UserName=name)
    key = admin("iam").create_access_key(UserName=name)["AccessKey"]
    return name, key["AccessKeyId"], key["SecretAccessKey"]


def test_the_first_start_writes_the_administrators_credentials(
    iam_server: Server, admin_keys: tuple[str, str], admin: Admin
) -> None:
    path = iam_server.data_dir / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in iam_server.log()
    assert admin_keys[1] not in iam_server.log()  # where it is, never the secret
    me = admin("sts").get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/admin"
    attached = admin("iam").list_attached_user_policies(UserName="admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]


def test_unsigned_requests_are_refused_in_each_protocol(iam_server: Server) -> None:
    unsigned = Config(signature_version=UNSIGNED)
    lam = client("lambda", iam_server.endpoint, "x", "x", config=unsigned)
    assert error_of(lam.list_functions) == (
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    sts = client("sts", iam_server.endpoint, "x", "x", config=unsigned)
    assert error_of(sts.get_caller_identity) == (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )
    sqs = client("sqs", iam_server.endpoint, "x", "x", config=unsigned)
    assert error_of(sqs.list_queues)[:2] == (403, "MissingAuthenticationTokenException")


def test_an_unknown_key_and_a_wrong_secret_are_refused(
    iam_server: Server, admin_keys: tuple[str, str]
) -> None:
    endpoint = iam_server.endpoint
    unknown = "AKIA" + uuid.uuid4().hex[:16].upper()
    assert error_of(client("lambda", endpoint, unknown, "s").list_functions) == (
        403,
        "UnrecognizedClientException",
        MSG_INVALID_TOKEN,
    )
    assert error_of(client("sts", endpoint, unknown, "s").get_caller_identity) == (
        403,
        "InvalidClientTokenId",
        MSG_INVALID_TOKEN,
    )
    wrong = client("lambda", endpoint, admin_keys[0], "not-the-secret")
    assert error_of(wrong.list_functions) == (403, "InvalidSignatureException", MSG_BAD_SIGNATURE)
    wrong_sts = client("sts", endpoint, admin_keys[0], "not-the-secret")
    assert error_of(wrong_sts.get_caller_identity) == (
        403,
        "SignatureDoesNotMatch",
        MSG_BAD_SIGNATURE,
    )


def test_a_request_signed_ten_minutes_ago_is_refused(
    iam_server: Server, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    lam = admin("lambda")
    lam.list_functions()  # signed now: fine
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past)
    status, code, message = error_of(lam.list_functions)
    assert (status, code) == (403, "InvalidSignatureException")
    stamp = past.strftime("%Y%m%dT%H%M%SZ")
    assert message.startswith(f"Signature expired: {stamp} is now earlier than ")
    assert message.endswith(" - 5 min.)")


def test_the_administrator_creates_and_invokes_a_function(admin: Admin) -> None:
    lam = admin("lambda")
    name = f"auth-{uuid.uuid4().hex[:8]}"
    create(lam, name, HELLO)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    out = lam.invoke(FunctionName=name, Payload=b'{"who": "admin"}')
    assert json.loads(out["Payload"].read()) == {"hello": "admin"}


def test_a_user_without_policies_is_denied_until_granted(iam_server: Server, admin: Admin) -> None:
    name, key, secret = new_user(admin)
    lam = client("lambda", iam_server.endpoint, key, secret)
    denied = (
        403,
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
        "lambda:ListFunctions on resource: * because no identity-based policy allows "
        "the lambda:ListFunctions action",
    )
    assert error_of(lam.list_functions) == denied
    iam = client("iam", iam_server.endpoint, key, secret)
    assert error_of(iam.list_users) == (
        403,
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
        "iam:ListUsers on resource: * because no identity-based policy allows the "
        "iam:ListUsers action",
    )
    admin("iam").put_user_policy(
        UserName=name, PolicyName="list", PolicyDocument=allow("lambda:ListFunctions")
    )
    assert "Functions" in lam.list_functions()  # the very next request
    admin("iam").delete_user_policy(UserName=name, PolicyName="list")
    assert error_of(lam.list_functions) == denied
    deny_all = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    admin("iam").put_user_policy(
        UserName=name, PolicyName="allow", PolicyDocument=allow("lambda:*")
    )
    assert "Functions" in lam.list_functions()
    admin("iam").put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=deny_all)
    status, code, message = error_of(lam.list_functions)
    assert (status, code) == (403, "AccessDeniedException")
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_a_deleted_key_is_refused_at_once(iam_server: Server, admin: Admin) -> None:
    name, key, secret = new_user(admin)
    sts = client("sts", iam_server.endpoint, key, secret)
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{name}")
    admin("iam").delete_access_key(UserName=name, AccessKeyId=key)
    assert error_of(sts.get_caller_identity)[:2] == (403, "InvalidClientTokenId")


def test_an_assumed_roles_credentials_carry_the_roles_policies(
    iam_server: Server, admin: Admin
) -> None:
    user, key, secret = new_user(admin)
    role = f"r-{uuid.uuid4().hex[:10]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{user}"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = admin("iam")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName=role,
        PolicyName="p",
        PolicyDocument=allow("lambda:ListFunctions", "lambda:GetAccountSettings"),
    )
    sts = client("sts", iam_server.endpoint, key, secret)
    arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    temporary = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    lam = client("lambda", iam_server.endpoint, *temporary)
    assert "Functions" in lam.list_functions()
    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1"
    assert error_of(lam.list_layers) == (
        403,
        "AccessDeniedException",
        f"User: {session_arn} is not authorized to perform: lambda:ListLayers on resource: "
        "* because no identity-based policy allows the lambda:ListLayers action",
    )
    no_token = client("lambda", iam_server.endpoint, *temporary[:2])
    assert error_of(no_token.list_functions)[:2] == (403, "UnrecognizedClientException")
    # A session policy narrows the role's permissions.
    narrow = sts.assume_role(
        RoleArn=arn, RoleSessionName="s2", Policy=allow("lambda:GetAccountSettings")
    )["Credentials"]
    limited = client(
        "lambda",
        iam_server.endpoint,
        narrow["AccessKeyId"],
        narrow["SecretAccessKey"],
        narrow["SessionToken"],
    )
    assert "AccountLimit" in limited.get_account_settings()
    assert error_of(limited.list_functions) == (
        403,
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s2 is not authorized to perform: "
        "lambda:ListFunctions on resource: * because no session policy allows the "
        "lambda:ListFunctions action",
    )


def _get(url: str, keys: tuple[str, str] | None = None) -> tuple[int, bytes]:
    headers: dict[str, str] = {}
    if keys is not None:
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials(*keys), "nubis", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_nubis_endpoints_health_and_metrics_open_code_signed(
    iam_server: Server, admin: Admin, admin_keys: tuple[str, str]
) -> None:
    assert _get(f"{iam_server.endpoint}/_nubis/health")[0] == 200
    assert _get(f"{iam_server.endpoint}/metrics")[0] == 200
    lam = admin("lambda")
    name = f"code-{uuid.uuid4().hex[:8]}"
    create(lam, name, HELLO)
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    status, body = _get(location)
    assert (status, json.loads(body)["message"]) == (403, "Missing Authentication Token")
    status, body = _get(location, admin_keys)
    assert status == 200
    assert body.startswith(b"PK")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = "/nonexistent"  # no ~/.aws either
    return {**env, **extra}


def test_the_nubis_cli_uses_the_data_dirs_credentials(iam_server: Server) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    source = iam_server.data_dir.parent / name
    source.mkdir()
    (source / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    print('from cli')\n    return 7\n"
    )
    nubis = [sys.executable, "-m", "nubis.cli.main"]
    endpoint = ["--endpoint", iam_server.endpoint]
    by_flag = [*endpoint, "--data-dir", str(iam_server.data_dir)]

    def run(*argv: str, cwd: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*nubis, *argv], capture_output=True, text=True, env=_clean_env(**env), cwd=cwd
        )

    deployed = run("deploy", str(source), "--name", name, *by_flag)
    assert deployed.returncode == 0, deployed.stderr
    invoked = run("invoke", name, *endpoint, NUBIS_DATA_DIR=str(iam_server.data_dir))
    assert (invoked.returncode, invoked.stdout) == (0, "7\n"), invoked.stderr
    # ./data/credentials, found from the data dir's parent
    listed = run("ls", *endpoint, cwd=str(iam_server.data_dir.parent))
    assert listed.returncode == 0, listed.stderr
    assert name in listed.stdout
    logs = run("logs", name, *by_flag)
    assert logs.returncode == 0, logs.stderr
    assert "from cli" in logs.stdout
    # Without them: the placeholder keys, which an iam server refuses.
    refused = run("ls", *endpoint, cwd=str(source))
    assert refused.returncode == 1
    assert "UnrecognizedClientException" in refused.stderr


@pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI is not installed")
def test_the_aws_cli_with_the_credentials_file(iam_server: Server) -> None:
    env = _clean_env(AWS_SHARED_CREDENTIALS_FILE=str(iam_server.data_dir / "credentials"))
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    base = ["aws", "--endpoint-url", iam_server.endpoint, "--output", "json"]
    who = subprocess.run(
        [*base, "sts", "get-caller-identity"], capture_output=True, text=True, env=env
    )
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/admin"
    listed = subprocess.run(
        [*base, "lambda", "list-functions"], capture_output=True, text=True, env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert "Functions" in json.loads(listed.stdout)
