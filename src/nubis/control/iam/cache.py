"""A bounded cache of decisions, invalidated by version numbers.

The key is (identity-policy version, resource-policy version, the cache's own generation,
the policies' content digests, the request without its time keys). Whoever stores
policies bumps the version of a principal's policy set or of a resource's policy when it
changes, so stale entries are never hit again and age out of the LRU; `invalidate()`
drops everything at once (any policy changed and no finer version is kept). The digests
make a forgotten bump harmless: a decision is never returned for other policies than the
ones it was made under. Requests judged by a policy that reads
`aws:CurrentTime`/`aws:EpochTime` are never cached: their answer depends on the moment.

Thread-safe: one lock around the ordered dict (evaluation itself runs outside the lock).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

from nubis.control.iam.evaluate import Decision, evaluate
from nubis.control.iam.policy import Policy
from nubis.control.iam.request import Request


class DecisionCache:
    def __init__(self, maxsize: int = 10_000) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._entries: OrderedDict[Hashable, Decision] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self) -> None:
        """Forget every decision (a policy changed)."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def decide(
        self,
        request: Request,
        identity_policies: Sequence[Policy] = (),
        resource_policy: Policy | None = None,
        *,
        identity_version: Hashable = 0,
        resource_version: Hashable = 0,
    ) -> Decision:
        """`evaluate(...)`, from the cache when the same question was asked of the same
        policy versions."""
        if resource_policy is not None and resource_policy.reads_time:
            return evaluate(request, identity_policies, resource_policy)
        if any(p.reads_time for p in identity_policies):
            return evaluate(request, identity_policies, resource_policy)
        with self._lock:
            digests = (
                tuple(p.digest for p in identity_policies),
                resource_policy.digest if resource_policy else "",
            )
            key = (identity_version, resource_version, self._generation, digests, request.cache_key)
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        decision = evaluate(request, identity_policies, resource_policy)
        with self._lock:
            if key[2] == self._generation:  # not invalidated while evaluating
                self._entries[key] = decision
                if len(self._entries) > self._maxsize:
                    self._entries.popitem(last=False)
        return decision
