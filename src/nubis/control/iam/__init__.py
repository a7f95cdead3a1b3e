"""IAM policy evaluation: parse policy documents, decide requests, explain denials.

    request.py     Principal, Request (normalised context, derived global keys)
    patterns.py    wildcards and policy variables
    conditions.py  condition operators
    policy.py      parse_policy → Policy; MalformedPolicyDocumentError
    evaluate.py    evaluate(request, identity_policies, resource_policy) → Decision
    messages.py    access_denied_message(decision, ...)
    cache.py       DecisionCache (bounded, versioned)

Pure functions on immutable values, standard library only, no I/O: storage of users,
roles and policies and the IAM/STS APIs live elsewhere. See docs/iam.md.
"""

from nubis.control.iam.cache import DecisionCache
from nubis.control.iam.evaluate import Decision, Reason, evaluate
from nubis.control.iam.messages import access_denied_message
from nubis.control.iam.policy import (
    MalformedPolicyDocumentError,
    Policy,
    PolicyKind,
    parse_policy,
)
from nubis.control.iam.request import Principal, PrincipalKind, Request

__all__ = [
    "Decision",
    "DecisionCache",
    "MalformedPolicyDocumentError",
    "Policy",
    "PolicyKind",
    "Principal",
    "PrincipalKind",
    "Reason",
    "Request",
    "access_denied_message",
    "evaluate",
    "parse_policy",
]
