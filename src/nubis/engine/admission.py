"""Admission: how many invocations may run at once, per function and per account.

Lambda's rules, which `LocalAdmission` counts on one host (a cluster implementation
counts the same rules across nodes):

- A function with reserved concurrency R runs at most R invocations at once; one more is
  refused with Reason `ReservedFunctionConcurrentInvocationLimitExceeded`. Its
  provisioned concurrency is part of R (control refuses more provisioned than reserved).
- The account's limit L minus every reservation, minus the provisioned concurrency of
  functions without a reservation, is the *unreserved pool*
  (`limits(L, reserved, provisioned)`). Functions without a reservation share it.
- A function without a reservation but with provisioned concurrency P runs its first P
  invocations on its provisioned share (carved out of the account when it was
  configured, so nobody else can take it) and any beyond that in the unreserved pool.
- An invocation that finds the pool full is refused with Reason
  `ConcurrentInvocationLimitExceeded`.

Contract:
- `try_acquire(name, reserved)` admits one invocation of `name` (`reserved` is the
  function's reservation as its spec carries it, or None) and returns None, or returns
  the throttle Reason and admits nothing. Every admission is matched by exactly one
  `release(name)`, also when the invocation fails or is cancelled.
- `set_limits` replaces the account's limit and the reservations and provisioned counts
  it knows; invocations already admitted stay admitted (a lower limit only refuses new
  ones). Idempotent.
- Called from the event loop thread only; not thread-safe. `try_acquire` is a coroutine
  so that an implementation may ask a shared store; the local one never suspends, so the
  count is taken before the caller's next await.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from nubis.model.errors import REASON_ACCOUNT_LIMIT, REASON_RESERVED_LIMIT

DEFAULT_ACCOUNT_LIMIT = 1000  # Lambda's default quota, until control says otherwise


class Admission(Protocol):
    async def try_acquire(self, function_name: str, reserved: int | None) -> str | None: ...

    def release(self, function_name: str) -> None: ...

    def set_limits(
        self, account_limit: int, reserved: Mapping[str, int], provisioned: Mapping[str, int]
    ) -> None: ...

    def in_flight(self, function_name: str | None = None) -> int:
        """Invocations admitted now, of one function or of the account."""
        ...


class LocalAdmission:
    """Counters in memory. `_unreserved_used` is kept equal to the sum, over functions
    without a reservation, of their in-flight invocations beyond their provisioned share:
    updated per call, recomputed when the limits change."""

    def __init__(self, account_limit: int = DEFAULT_ACCOUNT_LIMIT) -> None:
        self._account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._provisioned: dict[str, int] = {}
        self._pool = account_limit
        self._running: dict[str, int] = {}
        self._pooled: dict[str, bool] = {}  # name -> counted in the pool (no reservation)
        self._unreserved_used = 0

    @property
    def unreserved_pool(self) -> int:
        return self._pool

    def set_limits(
        self, account_limit: int, reserved: Mapping[str, int], provisioned: Mapping[str, int]
    ) -> None:
        self._account_limit = account_limit
        self._reserved = dict(reserved)
        self._provisioned = {n: p for n, p in provisioned.items() if p > 0}
        carved = sum(p for n, p in self._provisioned.items() if n not in self._reserved)
        self._pool = account_limit - sum(self._reserved.values()) - carved
        self._unreserved_used = sum(
            self._beyond_share(name, running)
            for name, running in self._running.items()
            if self._pooled.get(name)
        )

    def _beyond_share(self, name: str, running: int) -> int:
        return max(0, running - self._provisioned.get(name, 0))

    async def try_acquire(self, function_name: str, reserved: int | None) -> str | None:
        running = self._running.get(function_name, 0)
        # A function whose reservation changes while it runs stays on the side it was
        # admitted on until all of its invocations are released: the counts stay exact.
        pooled = self._pooled[function_name] if running else reserved is None
        if reserved is not None and running >= reserved:
            return REASON_RESERVED_LIMIT
        if pooled and running >= self._provisioned.get(function_name, 0):
            # Beyond its provisioned share (0 without one): it needs a slot of the pool.
            if self._unreserved_used >= self._pool:
                return REASON_ACCOUNT_LIMIT
            self._unreserved_used += 1
        self._running[function_name] = running + 1
        self._pooled[function_name] = pooled
        return None

    def release(self, function_name: str) -> None:
        running = self._running[function_name] - 1
        if self._pooled.get(function_name) and running >= self._provisioned.get(function_name, 0):
            self._unreserved_used -= 1
        if running:
            self._running[function_name] = running
        else:
            del self._running[function_name]
            self._pooled.pop(function_name, None)

    def in_flight(self, function_name: str | None = None) -> int:
        if function_name is None:
            return sum(self._running.values())
        return self._running.get(function_name, 0)
