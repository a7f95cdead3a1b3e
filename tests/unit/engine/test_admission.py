"""LocalAdmission: Lambda's account, reserved and provisioned concurrency rules, as a table."""

from __future__ import annotations

import asyncio

import pytest

from nubis.engine.admission import LocalAdmission
from nubis.model.errors import REASON_ACCOUNT_LIMIT, REASON_RESERVED_LIMIT

ACCOUNT = REASON_ACCOUNT_LIMIT
RESERVED = REASON_RESERVED_LIMIT

# (account limit, reservations, provisioned, the acquires in order as (function, its
# reservation), what each answers: None = admitted, else the throttle Reason)
CASES = [
    pytest.param(3, {}, {}, [("a", None)] * 4, [None, None, None, ACCOUNT], id="pool-of-3"),
    pytest.param(
        3,
        {},
        {},
        [("a", None), ("b", None), ("c", None), ("d", None)],
        [None, None, None, ACCOUNT],
        id="functions-share-the-pool",
    ),
    pytest.param(
        5,
        {"r": 2},
        {},
        [("a", None)] * 4 + [("r", 2)] * 3,
        [None, None, None, ACCOUNT, None, None, RESERVED],
        id="reservation-carved-out-of-the-pool",
    ),
    pytest.param(
        4,
        {"r": 3},
        {},
        [("r", 3)] * 3 + [("a", None)] * 2,
        [None, None, None, None, ACCOUNT],
        id="reserved-invocations-never-use-the-pool",
    ),
    pytest.param(
        4,
        {},
        {"p": 2},
        [("p", None)] * 3 + [("a", None)] * 2,
        [None, None, None, None, ACCOUNT],
        id="provisioned-share-then-the-pool",
    ),
    pytest.param(
        3,
        {},
        {"p": 2},
        [("a", None)] * 2 + [("p", None)] * 3,
        [None, ACCOUNT, None, None, ACCOUNT],
        id="provisioned-carved-out-for-others",
    ),
    pytest.param(
        4,
        {"p": 3},
        {"p": 2},
        [("p", 3)] * 4 + [("a", None)] * 2,
        [None, None, None, RESERVED, None, ACCOUNT],
        id="provisioned-inside-a-reservation",
    ),
    pytest.param(0, {}, {}, [("a", None)], [ACCOUNT], id="no-pool"),
    pytest.param(10, {"z": 0}, {}, [("z", 0)], [RESERVED], id="reserved-zero"),
]


@pytest.mark.parametrize(("limit", "reserved", "provisioned", "calls", "expected"), CASES)
def test_admission_table(
    limit: int,
    reserved: dict[str, int],
    provisioned: dict[str, int],
    calls: list[tuple[str, int | None]],
    expected: list[str | None],
) -> None:
    async def main() -> None:
        adm = LocalAdmission()
        adm.set_limits(limit, reserved, provisioned)
        got = [await adm.try_acquire(name, r) for name, r in calls]
        assert got == expected
        for (name, _), outcome in zip(calls, got, strict=True):
            if outcome is None:
                adm.release(name)
        assert adm.in_flight() == 0
        # Everything released: the same calls are admitted the same way again.
        assert [await adm.try_acquire(name, r) for name, r in calls] == expected

    asyncio.run(main())


def test_release_frees_a_slot_of_the_pool() -> None:
    async def main() -> None:
        adm = LocalAdmission(2)
        assert await adm.try_acquire("a", None) is None
        assert await adm.try_acquire("b", None) is None
        assert await adm.try_acquire("c", None) == ACCOUNT
        adm.release("a")
        assert await adm.try_acquire("c", None) is None
        assert (adm.in_flight("a"), adm.in_flight("b"), adm.in_flight("c")) == (0, 1, 1)

    asyncio.run(main())


def test_limits_changed_while_invocations_run() -> None:
    """A lower limit refuses new invocations only; a reservation set while a function
    runs applies to its next ones, and the pool's count stays exact afterwards."""

    async def main() -> None:
        adm = LocalAdmission(3)
        for _ in range(3):
            assert await adm.try_acquire("a", None) is None
        adm.set_limits(1, {}, {})
        assert await adm.try_acquire("b", None) == ACCOUNT
        adm.set_limits(10, {"a": 4}, {})  # pool: 10 - 4 = 6, 3 of it held by a
        assert await adm.try_acquire("a", 4) is None
        assert await adm.try_acquire("a", 4) == RESERVED
        for _ in range(4):
            adm.release("a")
        assert adm.in_flight() == 0
        # a is off the pool now: all 6 slots are free for others.
        assert [await adm.try_acquire(n, None) for n in "bcdefgh"] == [None] * 6 + [ACCOUNT]

    asyncio.run(main())
