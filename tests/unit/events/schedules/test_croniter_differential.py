"""Differential test: AWS-dialect cron against croniter where the two dialects agree.

The generator draws AWS expressions from the common ground: `*`, values, ranges, lists and
steps in minutes, hours, day-of-month and month; values, ranges and lists (names too) in
day-of-week; `?` in one day field; year `*`. Each is translated to classic five-field cron
(`?` -> `*`, day-of-week 1-7 SUN-SAT -> 0-6, AWS's `a/n` -> `a-max/n`) and both must name
the same next fire times in UTC. Left out, because classic cron has no counterpart: `L`,
`W`, `#`, the year field; and both day fields restricted at once (AWS refuses it, classic
cron ORs them).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from nubis.events.schedules import next_fire, parse_schedule

croniter = pytest.importorskip("croniter").croniter

DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
EXPRESSIONS = 2500
FIRES = 4


def field(rng: random.Random, low: int, high: int, top: int | None = None) -> tuple[str, str]:
    """One field in AWS's syntax and in classic cron's (same numbering); values are drawn
    from low-high, and AWS's `a/n` runs to the field's real top."""
    top = high if top is None else top
    parts_aws, parts_cron = [], []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        shape = rng.randrange(5)
        a, b = sorted(rng.sample(range(low, high + 1), 2))
        if shape == 0:
            aws = cron = str(a)
        elif shape == 1:
            aws = cron = f"{a}-{b}"
        elif shape == 2:
            aws = cron = "*"
        elif shape == 3:
            step = rng.randint(1, max(1, (high - low) // 2))
            aws, cron = f"{a}/{step}", f"{a}-{top}/{step}"
        else:
            step = rng.randint(1, max(1, (high - low) // 2))
            aws = cron = f"*/{step}" if rng.random() < 0.5 else f"{a}-{b}/{step}"
        parts_aws.append(aws)
        parts_cron.append(cron)
    return ",".join(parts_aws), ",".join(parts_cron)


def day_of_week(rng: random.Random) -> tuple[str, str]:
    """AWS's 1-7 (SUN-SAT) and classic 0-6, as numbers or names."""
    parts_aws, parts_cron = [], []
    for _ in range(rng.choice([1, 1, 2])):
        a, b = sorted(rng.sample(range(1, 8), 2))
        named = rng.random() < 0.4
        if rng.random() < 0.5:
            parts_aws.append(DAY_NAMES[a - 1] if named else str(a))
            parts_cron.append(DAY_NAMES[a - 1] if named else str(a - 1))
        else:
            name_a, name_b = DAY_NAMES[a - 1], DAY_NAMES[b - 1]
            parts_aws.append(f"{name_a}-{name_b}" if named else f"{a}-{b}")
            parts_cron.append(f"{name_a}-{name_b}" if named else f"{a - 1}-{b - 1}")
    return ",".join(parts_aws), ",".join(parts_cron)


def make(rng: random.Random) -> tuple[str, str]:
    minute = field(rng, 0, 59)
    hour = field(rng, 0, 23)
    month = field(rng, 1, 12)
    if rng.random() < 0.5:
        dom, dow = field(rng, 1, 28, top=31), ("?", "*")
    else:
        dom, dow = ("?", "*"), day_of_week(rng)
    aws = f"cron({minute[0]} {hour[0]} {dom[0]} {month[0]} {dow[0]} *)"
    classic = f"{minute[1]} {hour[1]} {dom[1]} {month[1]} {dow[1]}"
    return aws, classic


def test_agrees_with_croniter_where_the_dialects_agree() -> None:
    rng = random.Random(15)
    disagreements = []
    for _ in range(EXPRESSIONS):
        aws, classic = make(rng)
        schedule = parse_schedule(aws)
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(2_000_000))
        theirs = croniter(classic, start.replace(tzinfo=None))
        ours: datetime | None = start
        for _ in range(FIRES):
            assert ours is not None
            ours = next_fire(schedule, ours)
            expected = theirs.get_next(datetime).replace(tzinfo=UTC)
            if ours != expected:
                disagreements.append((aws, classic, start, ours, expected))
                break
    assert disagreements[:5] == []
