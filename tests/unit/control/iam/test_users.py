"""IAM's rules for users, keys, names and paging (`nubis.control.iam.users`,
`entities`) over the in-memory store."""

from __future__ import annotations

import pytest

from nubis.control.iam.entities import PageRequest, list_page, make_marker
from nubis.control.iam.users import MSG_NAME_REQUIRED, CreateUser
from nubis.model import iam_errors as e
from tests.unit.control.iam.iam_fixtures import ACCOUNT, START, World, identity, sync


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Member must have length greater than or equal to 1"),
        ("x" * 65, "Member must have length less than or equal to 64"),
        ("a/b", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
        ("é", "Member must satisfy regular expression pattern"),  # \w is ASCII in IAM
    ],
)
@sync
async def test_user_names(world: World, name: str, fragment: str) -> None:
    with pytest.raises(e.IamValidationError) as caught:
        await world.iam.users.create(CreateUser(name))
    assert fragment in caught.value.message
    assert "at 'userName'" in caught.value.message


@pytest.mark.parametrize("path", ["ops", "/ops", "ops/", "/a b/", "/" + "x" * 511 + "/"])
@sync
async def test_paths(world: World, path: str) -> None:
    with pytest.raises(e.IamValidationError, match="The specified value for path is invalid"):
        await world.iam.users.create(CreateUser("u", path))


@sync
async def test_created_user(world: World) -> None:
    user = await world.iam.users.create(CreateUser("Ann", "/a/b/", (("k", "v"),)))
    assert (user.arn, user.path, user.created) == (
        f"arn:aws:iam::{ACCOUNT}:user/a/b/Ann",
        "/a/b/",
        START,
    )
    with pytest.raises(e.EntityAlreadyExists, match=r"User with name ANN already exists\."):
        await world.iam.users.create(CreateUser("ANN"))


@sync
async def test_two_keys_per_user_and_status(world: World) -> None:
    await world.iam.users.create(CreateUser("ann"))
    one = await world.iam.users.create_key("ann", None)
    await world.iam.users.create_key("ann", None)
    with pytest.raises(e.LimitExceeded, match="AccessKeysPerUser: 2"):
        await world.iam.users.create_key("ann", None)
    with pytest.raises(e.IamValidationError, match="enum value set: \\[Active, Inactive\\]"):
        await world.iam.users.update_key("ann", None, one.access_key_id, "Expired")
    await world.iam.users.update_key("ann", None, one.access_key_id, "Inactive")
    # An inactive key is no longer the user: today's open mode answers as the root.
    assert (await world.iam.users.caller(one.access_key_id)).is_root
    await world.iam.users.create(CreateUser("bob"))
    with pytest.raises(e.NoSuchEntity, match=f"The Access Key with id {one.access_key_id}"):
        await world.iam.users.delete_key("bob", None, one.access_key_id)  # not bob's key


@sync
async def test_calls_without_a_user_name_act_on_the_calling_user(world: World) -> None:
    with pytest.raises(e.IamValidationError) as caught:
        await world.iam.users.create_key(None, None)  # the root names no user
    assert caught.value.message == MSG_NAME_REQUIRED
    await world.iam.users.create(CreateUser("ann"))
    key = await world.iam.users.create_key("ann", None)
    second = await world.iam.users.create_key(None, key.access_key_id)
    assert second.user_name == "ann"


@sync
async def test_delete_user_refuses_in_iams_order(world: World) -> None:
    await world.iam.users.create(CreateUser("ann"))
    key = await world.iam.users.create_key("ann", None)
    await world.iam.users.policies.put("ann", "p", identity("Allow", "s3:*"))
    with pytest.raises(e.DeleteConflict, match="must delete access keys first"):
        await world.iam.users.delete("ann")
    await world.iam.users.delete_key("ann", None, key.access_key_id)
    with pytest.raises(e.DeleteConflict, match="must delete policies first"):
        await world.iam.users.delete("ann")
    await world.iam.users.policies.delete("ann", "p")
    await world.iam.users.delete("ann")
    with pytest.raises(e.NoSuchEntity, match=r"The user with name ann cannot be found\."):
        await world.iam.users.delete("ann")


@sync
async def test_keyset_paging(world: World) -> None:
    for name in ["d", "a", "C", "b", "e"]:
        await world.iam.users.create(CreateUser(name))
    seen: list[str] = []
    request = PageRequest(max_items=2)
    while True:
        page = await world.iam.users.list_users(None, request)
        seen += [u.name for u in page.items]
        assert len(page.items) <= 2
        if not page.truncated:
            break
        request = PageRequest(page.marker, 2)
    assert seen == ["a", "b", "C", "d", "e"]
    for bad in (0, 1001):
        with pytest.raises(e.IamValidationError, match="maxItems"):
            await world.iam.users.list_users(None, PageRequest(max_items=bad))


def test_list_paging_of_short_lists() -> None:
    items = ["a", "b", "c"]
    first = list_page(items, str, PageRequest(max_items=2))
    assert (first.items, first.truncated) == (["a", "b"], True)
    rest = list_page(items, str, PageRequest(first.marker, 2))
    assert (rest.items, rest.truncated) == (["c"], False)
    assert list_page(items, str, PageRequest(make_marker("c"))).items == []
