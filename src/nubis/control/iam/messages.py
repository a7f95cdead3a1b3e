"""AWS's AccessDenied message text for each kind of denial.

The forms are those of IAM's "Troubleshoot access denied error messages" page:
`User: <principal> is not authorized to perform: <action> on resource: <resource>`
followed by `because no <type> policy allows the <action> action` for an implicit deny, or
`with an explicit deny in a <type> policy` for an explicit one, to which AWS appends
`: <policy ARN>` when the denying policy is a named policy of the same account (AWS
Security Blog, "Enhanced access denied error messages with policy ARNs").
The caller is always introduced as `User:`, roles and sessions too; an unauthenticated
caller is `anonymous`. Lambda sends the text as `AccessDeniedException` (HTTP 403); query
protocol services (IAM, STS, SQS) as `AccessDenied`.
"""

from __future__ import annotations

from nubis.control.iam.evaluate import Decision, Reason

WIRE_TYPE_JSON = "AccessDeniedException"
WIRE_TYPE_QUERY = "AccessDenied"
HTTP_STATUS = 403

_POLICY_TYPE = {
    Reason.EXPLICIT_DENY_IDENTITY: "an identity-based",
    Reason.EXPLICIT_DENY_RESOURCE: "a resource-based",
    Reason.NO_IDENTITY_ALLOW: "identity-based",
    Reason.NO_RESOURCE_ALLOW: "resource-based",
}


def access_denied_message(decision: Decision, principal: str, action: str, resource: str) -> str:
    """The message for a denied `decision` (ValueError for an allowed one)."""
    if decision.allowed:
        raise ValueError("the decision allows the request")
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    policy_type = _POLICY_TYPE[decision.reason]
    if not decision.explicit_deny:
        return f"{head} because no {policy_type} policy allows the {action} action"
    tail = f": {decision.policy_arn}" if decision.policy_arn else ""
    return f"{head} with an explicit deny in {policy_type} policy{tail}"
