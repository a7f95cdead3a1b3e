"""An assumed role's temporary credentials expire: the gateway's authenticator (the real
verifier over the IAM store) on a fake clock, with requests botocore signs at that
clock's time, so the hour of AssumeRole's default duration passes without waiting."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nubis.api.auth import SignedPrincipal, SigV4Authenticator
from nubis.api.gateway import AuthError
from nubis.api.services.sts import sts_service
from nubis.control.iam.roles import CreateRole
from nubis.control.iam.services import iam_services
from nubis.control.iam.sts import AssumeRole
from nubis.control.iam.users import CreateUser
from nubis.http import Verifier
from nubis.http11 import Request
from nubis.model.clock import FakeClock
from nubis.store.memory.iam import MemoryIamStore

ACCOUNT = "000000000000"
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def signed(creds: Credentials, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Request:
    moment = dt.datetime.fromtimestamp(clock.time(), dt.UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: moment)
    url = "http://127.0.0.1:9000/"
    aws = AWSRequest(
        method="POST",
        url=url,
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(creds, "sts", "us-east-1").add_auth(aws)
    headers = {name.lower(): value for name, value in aws.headers.items()}
    headers["host"] = urlsplit(url).netloc
    return Request("POST", "/", "", headers, BODY, host=headers["host"])


async def _scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    store = MemoryIamStore()
    iam = iam_services(store, ACCOUNT, clock)
    await iam.users.create(CreateUser("alice"))
    key = await iam.users.create_key("alice", None)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    await iam.roles.create(CreateRole("worker", json.dumps(trust)))
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/worker"
    assumed = await iam.sts.assume_role(AssumeRole(role_arn, "s1", key.access_key_id))
    session = assumed.session
    creds = Credentials(session.access_key_id, session.secret, session.session_token)
    authenticator = SigV4Authenticator(Verifier(store), clock)
    service = sts_service(iam.sts)

    clock.advance(3599)  # within the hour AssumeRole gives by default
    found = await authenticator.authenticate(
        signed(creds, clock, monkeypatch), service, "sts:GetCallerIdentity"
    )
    assert found == SignedPrincipal(session.access_key_id, session.arn)
    assert session.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/s1"

    clock.advance(2)  # past it
    with pytest.raises(AuthError) as caught:
        await authenticator.authenticate(
            signed(creds, clock, monkeypatch), service, "sts:GetCallerIdentity"
        )
    error = caught.value
    assert (error.wire_type, error.status) == ("ExpiredToken", 403)
    assert error.message == "The security token included in the request is expired"
    store.close()


def test_temporary_credentials_work_until_they_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_scenario(monkeypatch))
