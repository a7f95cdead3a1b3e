"""STS's rules: the trust check (the caller named, its account with an identity allow,
denies), durations, session names, and temporary credentials that expire: the caller
of an expired session is refused, and the store's SecretSource hands the verifier
what it needs to answer ExpiredToken."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nubis.control.iam.roles import CreateRole
from nubis.control.iam.sts import AssumeRole
from nubis.control.iam.users import CreateUser
from nubis.http.sigv4 import Verifier
from nubis.http.sigv4_errors import Kind, SigV4Error
from nubis.model import iam_errors as e
from tests.unit.control.iam.iam_fixtures import (
    ACCOUNT,
    ROOT,
    START,
    World,
    identity,
    sync,
    trust,
)


@pytest.fixture
def world() -> World:
    return World()


async def _role(world: World, name: str, principal: object, max_session: int = 3600) -> str:
    role = await world.iam.roles.create(CreateRole(name, trust(principal), None, None, max_session))
    return role.arn


async def _user_key(world: World, name: str) -> tuple[str, str]:
    user = await world.iam.users.create(CreateUser(name))
    key = await world.iam.users.create_key(name, None)
    return user.arn, key.access_key_id


@sync
async def test_root_may_assume_a_role_whose_trust_names_the_account(world: World) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT})
    out = await world.iam.sts.assume_role(AssumeRole(arn, "s1", None))
    assert out.session.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s1"
    assert out.session.source_arn == ROOT
    assert out.session.expires == START + 3600


@sync
async def test_trust_naming_someone_else_refuses(world: World) -> None:
    arn = await _role(world, "R", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/other"})
    with pytest.raises(e.AccessDenied) as caught:
        await world.iam.sts.assume_role(AssumeRole(arn, "s1", None))
    assert caught.value.message == (
        f"User: {ROOT} is not authorized to perform: sts:AssumeRole on resource: {arn}"
    )
    service = await _role(world, "S", {"Service": "lambda.amazonaws.com"})
    with pytest.raises(e.AccessDenied):
        await world.iam.sts.assume_role(AssumeRole(service, "s1", None))


@sync
async def test_a_user_named_by_the_trust_needs_no_identity_policy(world: World) -> None:
    user_arn, key = await _user_key(world, "dev")
    arn = await _role(world, "R", {"AWS": user_arn})
    assert (await world.iam.sts.assume_role(AssumeRole(arn, "me", key))).session.arn
    # ...but an explicit deny in the user's own policies still refuses.
    await world.iam.users.policies.put("dev", "no", identity("Deny", "sts:*"))
    with pytest.raises(e.AccessDenied):
        await world.iam.sts.assume_role(AssumeRole(arn, "me", key))


@sync
async def test_account_trust_needs_the_users_identity_allow(world: World) -> None:
    _user_arn, key = await _user_key(world, "dev")
    arn = await _role(world, "R", {"AWS": ROOT})
    with pytest.raises(e.AccessDenied):
        await world.iam.sts.assume_role(AssumeRole(arn, "me", key))
    await world.iam.users.policies.put(
        "dev", "other", identity("Allow", "sts:AssumeRole", "arn:aws:iam::*:role/x*")
    )
    with pytest.raises(e.AccessDenied):  # allows another resource only
        await world.iam.sts.assume_role(AssumeRole(arn, "me", key))
    await world.iam.users.policies.put("dev", "assume", identity("Allow", "sts:AssumeRole", arn))
    assert (await world.iam.sts.assume_role(AssumeRole(arn, "me", key))).session


@sync
async def test_durations(world: World) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT}, max_session=7200)
    for seconds, message in [
        (899, "Member must have value greater than or equal to 900"),
        (7201, e.MSG_DURATION_OVER_ROLE),
        (43201, "Member must have value less than or equal to 43200"),
    ]:
        with pytest.raises(e.IamValidationError) as caught:
            await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, seconds))
        assert message in caught.value.message
    out = await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, 7200))
    # The session's role needs an identity allow to assume a role trusting its account.
    await world.iam.roles.policies.put("R", "chain", identity("Allow", "sts:AssumeRole", arn))
    chained = AssumeRole(arn, "s2", out.session.access_key_id, 3601)
    with pytest.raises(e.IamValidationError, match="role chaining"):
        await world.iam.sts.assume_role(chained)
    again = AssumeRole(arn, "s2", out.session.access_key_id, 3600)
    assert (await world.iam.sts.assume_role(again)).session.source_arn == out.session.arn


@pytest.mark.parametrize("name", ["a", "x" * 65, "has space", "slash/no"])
@sync
async def test_session_names(world: World, name: str) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT})
    with pytest.raises(e.IamValidationError, match="roleSessionName"):
        await world.iam.sts.assume_role(AssumeRole(arn, name, None))


@sync
async def test_session_policy_is_validated_and_kept(world: World) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT})
    policy = identity("Allow", "s3:GetObject")
    out = await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, None, policy))
    stored = await world.store.get_session(out.session.access_key_id)
    assert stored is not None
    assert stored.session_policy == policy
    with pytest.raises(e.IamValidationError, match="less than or equal to 2048"):
        await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, None, " " * 2049))


@sync
async def test_an_expired_session_is_refused(world: World) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT})
    out = await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, 900))
    key = out.session.access_key_id
    assert (await world.iam.sts.caller(key)).arn == out.session.arn
    world.advance(900)
    with pytest.raises(e.ExpiredToken):
        await world.iam.sts.caller(key)


def _signed(key: str, secret: str, token: str, at: float) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:9000/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    moment = dt.datetime.fromtimestamp(at, dt.UTC)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
        botocore.auth.SigV4Auth(Credentials(key, secret, token), "sts", "us-east-1").add_auth(
            request
        )
    return request


async def _verify(world: World, request: AWSRequest, now: float) -> str:
    headers = {k.lower(): str(v) for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:9000"
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    caller = await Verifier(world.store).verify("POST", "/", "", headers, body, now)
    return caller.principal


@sync
async def test_the_store_secret_source_lets_the_verifier_refuse_expired_credentials(
    world: World,
) -> None:
    arn = await _role(world, "R", {"AWS": ACCOUNT})
    s = (await world.iam.sts.assume_role(AssumeRole(arn, "s1", None, 900))).session
    early = _signed(s.access_key_id, s.secret, s.session_token, START + 10)
    assert await _verify(world, early, START + 10) == s.arn
    late = _signed(s.access_key_id, s.secret, s.session_token, START + 901)
    with pytest.raises(SigV4Error) as caught:
        await _verify(world, late, START + 901)
    assert caught.value.kind is Kind.TOKEN_EXPIRED


@sync
async def test_get_session_token(world: World) -> None:
    root = await world.iam.sts.get_session_token(None, 7200)
    assert (root.arn, root.expires) == (ROOT, START + 3600)
    user_arn, key = await _user_key(world, "dev")
    mine = await world.iam.sts.get_session_token(key, None)
    assert (mine.arn, mine.expires, mine.role_arn) == (user_arn, START + 43200, None)
    assert (await world.iam.sts.caller(mine.access_key_id)).user is not None
    with pytest.raises(e.AccessDenied):
        await world.iam.sts.get_session_token(mine.access_key_id, None)


@sync
async def test_sessions_expired_for_a_day_are_forgotten(world: World) -> None:
    old = await world.iam.sts.get_session_token(None, 900)
    world.advance(900 + 86401)
    await world.iam.sts.get_session_token(None, 900)
    assert await world.store.get_session(old.access_key_id) is None
