"""DecisionCache: hits for the same question, misses after a version bump or invalidate,
no caching of time-dependent policies, a bound on its size."""

from __future__ import annotations

import datetime as dt

import pytest

from nubis.control.iam import (
    DecisionCache,
    Policy,
    PolicyKind,
    Principal,
    Request,
    parse_policy,
)

ALICE = Principal.from_arn("arn:aws:iam::111122223333:user/alice")
FN = "arn:aws:lambda:us-east-1:111122223333:function:my-fn"
T0 = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def _policy(effect: str = "Allow", condition: dict[str, object] | None = None) -> Policy:
    st: dict[str, object] = {"Effect": effect, "Action": "lambda:*", "Resource": "*"}
    if condition:
        st["Condition"] = condition
    return parse_policy({"Version": "2012-10-17", "Statement": [st]})


def _req(resource: str = FN, now: dt.datetime = T0, **ctx: object) -> Request:
    return Request.build(ALICE, "lambda:InvokeFunction", resource, ctx, now=now)


def test_same_question_is_a_hit_even_at_another_time() -> None:
    cache, policies = DecisionCache(), [_policy()]
    first = cache.decide(_req(), policies, identity_version=1)
    again = cache.decide(_req(now=T0 + dt.timedelta(seconds=5)), policies, identity_version=1)
    assert first.allowed
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)


def test_other_context_or_resource_is_a_miss() -> None:
    cache, policies = DecisionCache(), [_policy()]
    cache.decide(_req(), policies)
    cache.decide(_req(**{"aws:SourceIp": "10.0.0.1"}), policies)
    cache.decide(_req(FN + "-2"), policies)
    assert (cache.hits, cache.misses) == (0, 3)


def test_a_version_bump_is_a_miss() -> None:
    cache, policies = DecisionCache(), [_policy()]
    cache.decide(_req(), policies, identity_version=1)
    cache.decide(_req(), policies, identity_version=2)
    cache.decide(_req(), policies, identity_version=2, resource_version=7)
    assert (cache.hits, cache.misses) == (0, 3)


def test_a_forgotten_bump_still_sees_the_new_policy() -> None:
    cache = DecisionCache()
    assert cache.decide(_req(), [_policy()], identity_version=1).allowed
    assert not cache.decide(_req(), [_policy("Deny")], identity_version=1).allowed
    resource = parse_policy(
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]},
        PolicyKind.RESOURCE,
    )
    assert not cache.decide(_req(), [_policy()], resource, identity_version=1).allowed
    assert cache.hits == 0


def test_equal_documents_share_entries() -> None:
    cache = DecisionCache()
    cache.decide(_req(), [_policy()])
    cache.decide(_req(), [_policy()])  # parsed again: same content, same digest
    assert cache.hits == 1


def test_invalidate_drops_everything() -> None:
    cache = DecisionCache()
    cache.decide(_req(), [_policy()])
    cache.invalidate()
    assert len(cache) == 0
    assert not cache.decide(_req(), [_policy("Deny")]).allowed


def test_time_dependent_policies_are_not_cached() -> None:
    cache = DecisionCache()
    until = [_policy(condition={"DateLessThan": {"aws:CurrentTime": "2026-12-01T12:00:03Z"}})]
    assert cache.decide(_req(), until).allowed
    assert not cache.decide(_req(now=T0 + dt.timedelta(seconds=5)), until).allowed
    assert len(cache) == 0


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache, policies = DecisionCache(maxsize=2), [_policy()]
    cache.decide(_req(FN + "-a"), policies)
    cache.decide(_req(FN + "-b"), policies)
    cache.decide(_req(FN + "-a"), policies)  # a is now the most recent
    cache.decide(_req(FN + "-c"), policies)  # evicts b
    assert len(cache) == 2
    cache.decide(_req(FN + "-a"), policies)
    cache.decide(_req(FN + "-b"), policies)
    assert (cache.hits, cache.misses) == (2, 4)


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        DecisionCache(0)
