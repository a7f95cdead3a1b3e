"""What statistics cost: a percentile over 1,000 values per Period, and building it.

    .venv/bin/python -m tests.unit.control.cloudwatch.bench_statistics

Not a test (no thresholds): process CPU time, best and median of 7 runs. A Period of
5 minutes holds 1,000 Lambda-like durations (200 a minute, 3 decimals, so mostly
distinct values); also the same with 20,000 values a minute (folded into buckets).
"""

from __future__ import annotations

import random
import statistics
import time
import timeit
from collections.abc import Callable

from nubis.control.cloudwatch import Aggregate, MathEvaluator, Series, combine, parse_statistic


def minutes(per_minute: int, count: int = 5) -> list[Aggregate]:
    rng = random.Random(3)
    out = []
    for _ in range(count):
        agg = Aggregate()
        for _ in range(per_minute):
            agg.add(round(rng.lognormvariate(3, 0.8), 3))
        out.append(agg)
    return out


def report(name: str, fn: Callable[[], object], n: int) -> None:
    runs = [t / n * 1e6 for t in timeit.Timer(fn, timer=time.process_time).repeat(7, n)]
    print(f"{name:34} best {min(runs):8.1f} µs, median {statistics.median(runs):8.1f} µs")


def main() -> None:
    p99, tm90 = parse_statistic("p99"), parse_statistic("tm90")
    assert p99 is not None
    assert tm90 is not None
    small = minutes(200)
    period = combine(small)
    report("add one value", lambda: Aggregate().add(1.5), 100_000)
    report("combine 5 minutes (1,000 values)", lambda: combine(small), 500)
    report("p99 of the Period", lambda: p99(period), 500)
    report("combine + p99", lambda: p99(combine(small)), 500)
    report("tm90 of the Period", lambda: tm90(period), 500)
    big = minutes(20_000)
    big_period = combine(big)
    assert not big_period.exact
    report("combine + p99, 100,000 values", lambda: p99(combine(big)), 50)
    grid = list(range(0, 60 * 1440, 60))  # one day of minutes
    series = [
        Series(tuple(float(i % 7) for i in range(1440)), id=f"m{k}", period=60) for k in range(3)
    ]
    expressions = {"e1": "SUM(METRICS()) / PERIOD(m0)", "e2": "RATE(FILL(m1, REPEAT))"}
    report(
        "metric math, 3 series x 1,440 points",
        lambda: [MathEvaluator(grid, series, expressions).evaluate(e) for e in ("e1", "e2")],
        20,
    )


if __name__ == "__main__":
    main()
