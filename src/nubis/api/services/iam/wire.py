"""IAM's records as its output shapes, and its input shapes' pieces as typed values.

Policy documents go out URL-encoded, as IAM sends them (`GetRolePolicy`'s
`PolicyDocument`, a role's `AssumeRolePolicyDocument`, a version's `Document`); botocore
decodes them back into JSON (its `json_decode_policies` handler), the aws CLI too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from nubis.control.iam.entities import Page, PageRequest
from nubis.model.iam import AccessKey, ManagedPolicy, PolicyVersion, Role, Tags, User

Members = dict[str, Any]
T = TypeVar("T")


def timestamp(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def document(text: str) -> str:
    return quote(text, safe="")


def page_request(p: Mapping[str, Any]) -> PageRequest:
    return PageRequest(p.get("Marker"), p.get("MaxItems"))


def paged(key: str, page: Page[T], render: Callable[[T], Any]) -> Members:
    out: Members = {key: [render(item) for item in page.items], "IsTruncated": page.truncated}
    if page.marker is not None:
        out["Marker"] = page.marker
    return out


def tags_in(p: Mapping[str, Any]) -> Tags:
    return tuple((t.get("Key") or "", t.get("Value") or "") for t in p.get("Tags") or [])


def tags_out(tags: Tags) -> list[Members]:
    return [{"Key": k, "Value": v} for k, v in tags]


def user(u: User) -> Members:
    out: Members = {
        "Path": u.path,
        "UserName": u.name,
        "UserId": u.user_id,
        "Arn": u.arn,
        "CreateDate": timestamp(u.created),
    }
    if u.tags:
        out["Tags"] = tags_out(u.tags)
    return out


def access_key(k: AccessKey, with_secret: bool) -> Members:
    out: Members = {
        "UserName": k.user_name,
        "AccessKeyId": k.access_key_id,
        "Status": k.status,
        "CreateDate": timestamp(k.created),
    }
    if with_secret:
        out["SecretAccessKey"] = k.secret
    return out


def role(r: Role, with_document: bool = True) -> Members:
    out: Members = {
        "Path": r.path,
        "RoleName": r.name,
        "RoleId": r.role_id,
        "Arn": r.arn,
        "CreateDate": timestamp(r.created),
        "MaxSessionDuration": r.max_session_duration,
    }
    if with_document:
        out["AssumeRolePolicyDocument"] = document(r.trust_policy)
    if r.description is not None:
        out["Description"] = r.description
    if r.tags:
        out["Tags"] = tags_out(r.tags)
    return out


def policy(p: ManagedPolicy, attachments: int) -> Members:
    out: Members = {
        "PolicyName": p.name,
        "PolicyId": p.policy_id,
        "Arn": p.arn,
        "Path": p.path,
        "DefaultVersionId": p.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": timestamp(p.created),
        "UpdateDate": timestamp(p.updated),
    }
    if p.description is not None:
        out["Description"] = p.description
    if p.tags:
        out["Tags"] = tags_out(p.tags)
    return out


def version(v: PolicyVersion, default: str, with_document: bool = True) -> Members:
    out: Members = {
        "VersionId": v.version_id,
        "IsDefaultVersion": v.version_id == default,
        "CreateDate": timestamp(v.created),
    }
    if with_document:
        out["Document"] = document(v.document)
    return out
