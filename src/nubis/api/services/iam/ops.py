"""IAM operations: wire parameters in, output members out. Translation only; every rule
is in `nubis.control.iam` (users, roles, policies). Each handler has the gateway's one
signature (`OperationRequest -> OperationResult`)."""

from __future__ import annotations

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.api.services.iam import wire
from nubis.control.iam.policies import (
    AttachedPolicy,
    CreatePolicy,
    ListPolicies,
    OwnedPolicies,
    PolicyService,
)
from nubis.control.iam.roles import CreateRole, RoleService
from nubis.control.iam.users import CreateUser, UserService

EMPTY = OperationResult({})


def _attached(a: AttachedPolicy) -> wire.Members:
    return {"PolicyName": a.name, "PolicyArn": a.arn}


class OwnedPolicyOperations:
    """Inline and attached policies of users or of roles: `kind` is "User" or "Role",
    as in the operation names (PutUserPolicy, PutRolePolicy, ...) and the members."""

    def __init__(self, policies: OwnedPolicies, kind: str) -> None:
        self._p = policies
        self._owner = f"{kind}Name"
        self.handlers: dict[str, Handler] = {
            f"Put{kind}Policy": self.put,
            f"Get{kind}Policy": self.get,
            f"List{kind}Policies": self.names,
            f"Delete{kind}Policy": self.delete,
            f"Attach{kind}Policy": self.attach,
            f"Detach{kind}Policy": self.detach,
            f"ListAttached{kind}Policies": self.attached,
        }

    async def put(self, r: OperationRequest) -> OperationResult:
        p = r.params
        await self._p.put(p[self._owner], p["PolicyName"], p["PolicyDocument"])
        return EMPTY

    async def get(self, r: OperationRequest) -> OperationResult:
        found = await self._p.get(r.params[self._owner], r.params["PolicyName"])
        return OperationResult(
            {
                self._owner: found.owner,
                "PolicyName": found.name,
                "PolicyDocument": wire.document(found.document),
            }
        )

    async def names(self, r: OperationRequest) -> OperationResult:
        page = await self._p.names(r.params[self._owner], wire.page_request(r.params))
        return OperationResult(wire.paged("PolicyNames", page, str))

    async def delete(self, r: OperationRequest) -> OperationResult:
        await self._p.delete(r.params[self._owner], r.params["PolicyName"])
        return EMPTY

    async def attach(self, r: OperationRequest) -> OperationResult:
        await self._p.attach(r.params[self._owner], r.params["PolicyArn"])
        return EMPTY

    async def detach(self, r: OperationRequest) -> OperationResult:
        await self._p.detach(r.params[self._owner], r.params["PolicyArn"])
        return EMPTY

    async def attached(self, r: OperationRequest) -> OperationResult:
        p = r.params
        page = await self._p.attached(p[self._owner], p.get("PathPrefix"), wire.page_request(p))
        return OperationResult(wire.paged("AttachedPolicies", page, _attached))


class UserOperations:
    def __init__(self, users: UserService) -> None:
        self._u = users
        self.handlers: dict[str, Handler] = {
            "CreateUser": self.create_user,
            "GetUser": self.get_user,
            "ListUsers": self.list_users,
            "UpdateUser": self.update_user,
            "DeleteUser": self.delete_user,
            "TagUser": self.tag_user,
            "UntagUser": self.untag_user,
            "ListUserTags": self.list_user_tags,
            "CreateAccessKey": self.create_access_key,
            "ListAccessKeys": self.list_access_keys,
            "UpdateAccessKey": self.update_access_key,
            "DeleteAccessKey": self.delete_access_key,
            **OwnedPolicyOperations(users.policies, "User").handlers,
        }

    async def create_user(self, r: OperationRequest) -> OperationResult:
        p = r.params
        user = await self._u.create(CreateUser(p["UserName"], p.get("Path"), wire.tags_in(p)))
        return OperationResult({"User": wire.user(user)})

    async def get_user(self, r: OperationRequest) -> OperationResult:
        name = r.params.get("UserName")
        if name is None:
            caller = await self._u.caller(r.principal.access_key)
            if caller.user is None:  # the account root: no name, its account's id
                return OperationResult({"User": {"UserId": caller.user_id, "Arn": caller.arn}})
            return OperationResult({"User": wire.user(caller.user)})
        return OperationResult({"User": wire.user(await self._u.get(name))})

    async def list_users(self, r: OperationRequest) -> OperationResult:
        page = await self._u.list_users(r.params.get("PathPrefix"), wire.page_request(r.params))
        return OperationResult(wire.paged("Users", page, wire.user))

    async def update_user(self, r: OperationRequest) -> OperationResult:
        p = r.params
        await self._u.update(p["UserName"], p.get("NewUserName"), p.get("NewPath"))
        return EMPTY

    async def delete_user(self, r: OperationRequest) -> OperationResult:
        await self._u.delete(r.params["UserName"])
        return EMPTY

    async def tag_user(self, r: OperationRequest) -> OperationResult:
        await self._u.tag(r.params["UserName"], wire.tags_in(r.params))
        return EMPTY

    async def untag_user(self, r: OperationRequest) -> OperationResult:
        await self._u.untag(r.params["UserName"], r.params.get("TagKeys") or [])
        return EMPTY

    async def list_user_tags(self, r: OperationRequest) -> OperationResult:
        user = await self._u.get(r.params["UserName"])
        return OperationResult({"Tags": wire.tags_out(user.tags), "IsTruncated": False})

    async def create_access_key(self, r: OperationRequest) -> OperationResult:
        key = await self._u.create_key(r.params.get("UserName"), r.principal.access_key)
        return OperationResult({"AccessKey": wire.access_key(key, with_secret=True)})

    async def list_access_keys(self, r: OperationRequest) -> OperationResult:
        p = r.params
        _user, page = await self._u.keys(
            p.get("UserName"), r.principal.access_key, wire.page_request(p)
        )
        return OperationResult(
            wire.paged("AccessKeyMetadata", page, lambda k: wire.access_key(k, False))
        )

    async def update_access_key(self, r: OperationRequest) -> OperationResult:
        p = r.params
        await self._u.update_key(
            p.get("UserName"), r.principal.access_key, p["AccessKeyId"], p["Status"]
        )
        return EMPTY

    async def delete_access_key(self, r: OperationRequest) -> OperationResult:
        p = r.params
        await self._u.delete_key(p.get("UserName"), r.principal.access_key, p["AccessKeyId"])
        return EMPTY


class RoleOperations:
    def __init__(self, roles: RoleService) -> None:
        self._r = roles
        self.handlers: dict[str, Handler] = {
            "CreateRole": self.create_role,
            "GetRole": self.get_role,
            "ListRoles": self.list_roles,
            "UpdateRole": self.update_role,
            "UpdateAssumeRolePolicy": self.update_assume_role_policy,
            "DeleteRole": self.delete_role,
            "TagRole": self.tag_role,
            "UntagRole": self.untag_role,
            "ListRoleTags": self.list_role_tags,
            **OwnedPolicyOperations(roles.policies, "Role").handlers,
        }

    async def create_role(self, r: OperationRequest) -> OperationResult:
        p = r.params
        create = CreateRole(
            name=p["RoleName"],
            trust_policy=p["AssumeRolePolicyDocument"],
            path=p.get("Path"),
            description=p.get("Description"),
            max_session_duration=p.get("MaxSessionDuration"),
            tags=wire.tags_in(p),
        )
        return OperationResult({"Role": wire.role(await self._r.create(create))})

    async def get_role(self, r: OperationRequest) -> OperationResult:
        return OperationResult({"Role": wire.role(await self._r.get(r.params["RoleName"]))})

    async def list_roles(self, r: OperationRequest) -> OperationResult:
        page = await self._r.list_roles(r.params.get("PathPrefix"), wire.page_request(r.params))
        return OperationResult(wire.paged("Roles", page, wire.role))

    async def update_role(self, r: OperationRequest) -> OperationResult:
        p = r.params
        await self._r.update(p["RoleName"], p.get("Description"), p.get("MaxSessionDuration"))
        return EMPTY

    async def update_assume_role_policy(self, r: OperationRequest) -> OperationResult:
        await self._r.update_trust(r.params["RoleName"], r.params["PolicyDocument"])
        return EMPTY

    async def delete_role(self, r: OperationRequest) -> OperationResult:
        await self._r.delete(r.params["RoleName"])
        return EMPTY

    async def tag_role(self, r: OperationRequest) -> OperationResult:
        await self._r.tag(r.params["RoleName"], wire.tags_in(r.params))
        return EMPTY

    async def untag_role(self, r: OperationRequest) -> OperationResult:
        await self._r.untag(r.params["RoleName"], r.params.get("TagKeys") or [])
        return EMPTY

    async def list_role_tags(self, r: OperationRequest) -> OperationResult:
        role = await self._r.get(r.params["RoleName"])
        return OperationResult({"Tags": wire.tags_out(role.tags), "IsTruncated": False})


class PolicyOperations:
    def __init__(self, policies: PolicyService) -> None:
        self._p = policies
        self.handlers: dict[str, Handler] = {
            "CreatePolicy": self.create_policy,
            "GetPolicy": self.get_policy,
            "ListPolicies": self.list_policies,
            "DeletePolicy": self.delete_policy,
            "CreatePolicyVersion": self.create_policy_version,
            "GetPolicyVersion": self.get_policy_version,
            "ListPolicyVersions": self.list_policy_versions,
            "DeletePolicyVersion": self.delete_policy_version,
            "SetDefaultPolicyVersion": self.set_default_policy_version,
        }

    async def _policy(self, arn: str) -> wire.Members:
        policy = await self._p.get(arn)
        return wire.policy(policy, await self._p.attachment_count(arn))

    async def create_policy(self, r: OperationRequest) -> OperationResult:
        p = r.params
        create = CreatePolicy(
            p["PolicyName"],
            p["PolicyDocument"],
            p.get("Path"),
            p.get("Description"),
            wire.tags_in(p),
        )
        policy = await self._p.create(create)
        return OperationResult({"Policy": wire.policy(policy, 0)})

    async def get_policy(self, r: OperationRequest) -> OperationResult:
        return OperationResult({"Policy": await self._policy(r.params["PolicyArn"])})

    async def list_policies(self, r: OperationRequest) -> OperationResult:
        p = r.params
        request = ListPolicies(
            p.get("Scope") or "All",
            bool(p.get("OnlyAttached")),
            p.get("PathPrefix"),
            wire.page_request(p),
        )
        page = await self._p.list_policies(request)
        counts = {x.arn: await self._p.attachment_count(x.arn) for x in page.items}
        return OperationResult(
            wire.paged("Policies", page, lambda x: wire.policy(x, counts[x.arn]))
        )

    async def delete_policy(self, r: OperationRequest) -> OperationResult:
        await self._p.delete(r.params["PolicyArn"])
        return EMPTY

    async def create_policy_version(self, r: OperationRequest) -> OperationResult:
        p = r.params
        arn, default = p["PolicyArn"], bool(p.get("SetAsDefault"))
        created = await self._p.create_version(arn, p["PolicyDocument"], default)
        policy = await self._p.get(arn)
        return OperationResult({"PolicyVersion": wire.version(created, policy.default_version)})

    async def get_policy_version(self, r: OperationRequest) -> OperationResult:
        arn = r.params["PolicyArn"]
        found = await self._p.version(arn, r.params["VersionId"])
        policy = await self._p.get(arn)
        return OperationResult({"PolicyVersion": wire.version(found, policy.default_version)})

    async def list_policy_versions(self, r: OperationRequest) -> OperationResult:
        policy = await self._p.get(r.params["PolicyArn"])
        versions = sorted(policy.versions, key=lambda v: -int(v.version_id[1:]))
        return OperationResult(
            {
                "Versions": [wire.version(v, policy.default_version, False) for v in versions],
                "IsTruncated": False,
            }
        )

    async def delete_policy_version(self, r: OperationRequest) -> OperationResult:
        await self._p.delete_version(r.params["PolicyArn"], r.params["VersionId"])
        return EMPTY

    async def set_default_policy_version(self, r: OperationRequest) -> OperationResult:
        await self._p.set_default(r.params["PolicyArn"], r.params["VersionId"])
        return EMPTY
