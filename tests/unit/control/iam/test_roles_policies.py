"""IAM's rules for roles and managed policies (`nubis.control.iam.roles`, `policies`)."""

from __future__ import annotations

import pytest

from nubis.control.iam.policies import CreatePolicy, ListPolicies
from nubis.control.iam.policy import MalformedPolicyDocumentError
from nubis.control.iam.roles import CreateRole
from nubis.control.iam.users import CreateUser
from nubis.model import iam_errors as e
from tests.unit.control.iam.iam_fixtures import ACCOUNT, World, identity, sync, trust


@pytest.fixture
def world() -> World:
    return World()


@sync
async def test_trust_policies_are_validated_as_trust_policies(world: World) -> None:
    with pytest.raises(MalformedPolicyDocumentError, match="Has prohibited field Resource"):
        await world.iam.roles.create(CreateRole("r", identity("Allow", "sts:AssumeRole")))
    role = await world.iam.roles.create(CreateRole("r", trust({"AWS": ACCOUNT})))
    with pytest.raises(MalformedPolicyDocumentError, match="Syntax errors in policy"):
        await world.iam.roles.update_trust("r", "{")
    assert (await world.iam.roles.get("R")).trust_policy == role.trust_policy


@pytest.mark.parametrize(
    ("seconds", "ok"), [(3599, False), (3600, True), (43200, True), (43201, False)]
)
@sync
async def test_max_session_duration(world: World, seconds: int, ok: bool) -> None:
    create = CreateRole("r", trust({"AWS": ACCOUNT}), max_session_duration=seconds)
    if ok:
        assert (await world.iam.roles.create(create)).max_session_duration == seconds
    else:
        with pytest.raises(e.IamValidationError, match="maxSessionDuration"):
            await world.iam.roles.create(create)


@sync
async def test_delete_role_refuses_with_policies(world: World) -> None:
    await world.iam.roles.create(CreateRole("r", trust({"AWS": ACCOUNT})))
    policy = await world.iam.policies.create(CreatePolicy("p", identity("Allow", "s3:*")))
    await world.iam.roles.policies.attach("r", policy.arn)
    await world.iam.roles.policies.attach("r", policy.arn)  # twice changes nothing
    assert await world.iam.policies.attachment_count(policy.arn) == 1
    with pytest.raises(e.DeleteConflict, match="must detach all policies first"):
        await world.iam.roles.delete("r")
    await world.iam.roles.policies.detach("r", policy.arn)
    await world.iam.roles.delete("r")
    with pytest.raises(e.NoSuchEntity, match="The role with name r cannot be found"):
        await world.iam.roles.get("r")


@sync
async def test_policy_versions(world: World) -> None:
    arn = (await world.iam.policies.create(CreatePolicy("p", identity("Allow", "s3:*")))).arn
    for _ in range(4):
        await world.iam.policies.create_version(arn, identity("Allow", "sqs:*"), False)
    with pytest.raises(e.LimitExceeded, match="up to 5 versions"):
        await world.iam.policies.create_version(arn, identity("Allow", "sqs:*"), False)
    await world.iam.policies.delete_version(arn, "v2")
    made = await world.iam.policies.create_version(arn, identity("Allow", "sns:*"), True)
    assert made.version_id == "v6"
    policy = await world.iam.policies.get(arn)
    assert policy.default_version == "v6"
    assert [v.version_id for v in policy.versions] == ["v1", "v3", "v4", "v5", "v6"]
    with pytest.raises(e.DeleteConflict, match="default version"):
        await world.iam.policies.delete_version(arn, "v6")
    with pytest.raises(e.DeleteConflict, match="more than one version"):
        await world.iam.policies.delete(arn)
    with pytest.raises(e.NoSuchEntity, match="version v2 does not exist"):
        await world.iam.policies.set_default(arn, "v2")
    with pytest.raises(MalformedPolicyDocumentError):
        await world.iam.policies.create_version(arn, '{"Statement": []', False)


@sync
async def test_policy_names_are_unique_at_any_path(world: World) -> None:
    await world.iam.policies.create(CreatePolicy("Read", identity("Allow", "s3:*")))
    with pytest.raises(e.EntityAlreadyExists, match="A policy called read already exists"):
        await world.iam.policies.create(CreatePolicy("read", identity("Allow", "s3:*"), "/x/"))


@sync
async def test_list_policies_scopes(world: World) -> None:
    made = await world.iam.policies.create(CreatePolicy("p", identity("Allow", "s3:*")))
    await world.iam.policies.create(CreatePolicy("q", identity("Allow", "s3:*")))
    aws = [p.arn for p in (await world.iam.policies.list_policies(ListPolicies("AWS"))).items]
    assert made.arn not in aws
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in aws
    everything = await world.iam.policies.list_policies(ListPolicies("All"))
    assert [p.arn for p in everything.items][:2] == [made.arn, made.arn[:-1] + "q"]
    await world.iam.users.create(CreateUser("u"))
    await world.iam.users.policies.attach("u", made.arn)
    attached = await world.iam.policies.list_policies(ListPolicies("Local", only_attached=True))
    assert [p.name for p in attached.items] == ["p"]
    await world.iam.users.policies.attach("u", "arn:aws:iam::aws:policy/AdministratorAccess")
    attached = await world.iam.policies.list_policies(ListPolicies("All", only_attached=True))
    assert [p.name for p in attached.items] == ["p", "AdministratorAccess"]


@sync
async def test_an_attached_aws_managed_policy_counts_for_assume_role(world: World) -> None:
    from nubis.control.iam.sts import AssumeRole

    role = await world.iam.roles.create(CreateRole("r", trust({"AWS": ACCOUNT})))
    await world.iam.users.create(CreateUser("u"))
    key = await world.iam.users.create_key("u", None)
    request = AssumeRole(role.arn, "s1", key.access_key_id)
    with pytest.raises(e.AccessDenied):
        await world.iam.sts.assume_role(request)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    await world.iam.users.policies.attach("u", admin)
    assert (await world.iam.sts.assume_role(request)).session.source_arn.endswith(":user/u")
    with pytest.raises(e.NoSuchEntity):
        await world.iam.policies.create_version(admin, identity("Allow", "s3:*"), True)
