"""Every case of policy_table.py through parse_policy + evaluate (no part faked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from nubis.control.iam import (
    Decision,
    DecisionCache,
    Policy,
    PolicyKind,
    Principal,
    Reason,
    Request,
    evaluate,
    parse_policy,
)

from .policy_table import Case, all_cases

CASES = all_cases()

_EXPECT = {
    Reason.ALLOWED: "allow",
    Reason.EXPLICIT_DENY_IDENTITY: "deny:identity",
    Reason.EXPLICIT_DENY_RESOURCE: "deny:resource",
    Reason.NO_IDENTITY_ALLOW: "implicit:identity",
    Reason.NO_RESOURCE_ALLOW: "implicit:resource",
}


def _principal(text: str) -> Principal:
    if text == "anonymous":
        return Principal.anonymous()
    if text.startswith("service:"):
        return Principal.service(text.removeprefix("service:"))
    return Principal.from_arn(text)


def decide(case: Case) -> Decision:
    return evaluate(*_parts(case))


def test_the_table_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 300
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.source.startswith("https://docs.aws.amazon.com/") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    decision = decide(case)
    assert _EXPECT[decision.reason] == case.expect
    assert decision.allowed == (case.expect == "allow")


def _parts(case: Case) -> tuple[Request, list[Policy], Policy | None]:
    now = None if case.now is None else dt.datetime.fromisoformat(case.now.replace("Z", "+00:00"))
    request = Request.build(
        _principal(case.principal),
        case.action,
        case.resource,
        case.context,
        resource_account=case.resource_account,
        now=now,
    )
    identity = [parse_policy(p, PolicyKind.IDENTITY) for p in case.identity]
    resource = None
    if case.resource_policy is not None:
        resource = parse_policy(case.resource_policy, PolicyKind(case.resource_kind))
    return request, identity, resource


def test_the_cache_answers_as_evaluate_does() -> None:
    cache = DecisionCache(maxsize=64)  # small: evictions happen along the way
    for round_ in range(2):
        for case in CASES:
            request, identity, resource = _parts(case)
            cached = cache.decide(request, identity, resource, identity_version=round_)
            assert cached == evaluate(request, identity, resource), case.name
    assert cache.hits > 0


def _reversed(document: dict[str, Any]) -> dict[str, Any]:
    statements = document["Statement"]
    if isinstance(statements, list):
        return {**document, "Statement": statements[::-1]}
    return document


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_order_of_policies_and_statements_does_not_matter(case: Case) -> None:
    flipped = replace(
        case,
        identity=[_reversed(p) for p in case.identity[::-1]],
        resource_policy=None if case.resource_policy is None else _reversed(case.resource_policy),
    )
    assert decide(flipped).allowed == decide(case).allowed
    assert _EXPECT[decide(flipped).reason] == case.expect
