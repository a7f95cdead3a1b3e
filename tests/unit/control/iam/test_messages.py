"""AccessDenied texts, in the forms of IAM's "Troubleshoot access denied error messages"."""

from __future__ import annotations

import pytest

from nubis.control.iam import (
    Decision,
    PolicyKind,
    Principal,
    Reason,
    Request,
    access_denied_message,
    evaluate,
    parse_policy,
)

ALICE = "arn:aws:iam::111122223333:user/alice"
FN = "arn:aws:lambda:us-east-1:111122223333:function:my-fn"
INVOKE = "lambda:InvokeFunction"
HEAD = f"User: {ALICE} is not authorized to perform: {INVOKE} on resource: {FN}"


def _request(principal: str = ALICE, account: str | None = None) -> Request:
    return Request.build(Principal.from_arn(principal), INVOKE, FN, resource_account=account)


def _deny(kind: PolicyKind, arn: str | None = None) -> dict[str, object]:
    st: dict[str, object] = {"Effect": "Deny", "Action": INVOKE, "Resource": FN}
    if kind is PolicyKind.RESOURCE:
        st["Principal"] = "*"
    return {"Version": "2012-10-17", "Statement": [st]}


def test_implicit_deny_names_identity_policies() -> None:
    decision = evaluate(_request())
    assert access_denied_message(decision, ALICE, INVOKE, FN) == (
        f"{HEAD} because no identity-based policy allows the {INVOKE} action"
    )


def test_explicit_deny_in_an_identity_policy_names_the_policy() -> None:
    arn = "arn:aws:iam::111122223333:policy/NoInvoke"
    policy = parse_policy(_deny(PolicyKind.IDENTITY), arn=arn)
    decision = evaluate(_request(), [policy])
    assert decision.policy_arn == arn
    assert access_denied_message(decision, ALICE, INVOKE, FN) == (
        f"{HEAD} with an explicit deny in an identity-based policy: {arn}"
    )


def test_explicit_deny_of_an_inline_policy_has_no_arn() -> None:
    decision = evaluate(_request(), [parse_policy(_deny(PolicyKind.IDENTITY))])
    assert access_denied_message(decision, ALICE, INVOKE, FN) == (
        f"{HEAD} with an explicit deny in an identity-based policy"
    )


def test_explicit_deny_in_a_resource_policy() -> None:
    resource = parse_policy(_deny(PolicyKind.RESOURCE), PolicyKind.RESOURCE)
    decision = evaluate(_request(), [], resource)
    assert access_denied_message(decision, ALICE, INVOKE, FN) == (
        f"{HEAD} with an explicit deny in a resource-based policy"
    )


def test_cross_account_without_resource_policy() -> None:
    carol = "arn:aws:iam::444455556666:user/carol"
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    decision = evaluate(_request(carol, "111122223333"), [parse_policy(allow)])
    assert decision.reason is Reason.NO_RESOURCE_ALLOW
    assert access_denied_message(decision, carol, INVOKE, FN) == (
        f"User: {carol} is not authorized to perform: {INVOKE} on resource: {FN} "
        f"because no resource-based policy allows the {INVOKE} action"
    )


def test_an_allowed_decision_has_no_message() -> None:
    with pytest.raises(ValueError, match="allows"):
        access_denied_message(Decision(True, Reason.ALLOWED), ALICE, INVOKE, FN)
