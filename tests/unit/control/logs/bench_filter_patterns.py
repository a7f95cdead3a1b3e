"""How long one message takes against a compiled filter pattern, by kind of pattern.

    .venv/bin/python -m tests.unit.control.logs.bench_filter_patterns

Not a test (no thresholds): it prints, in µs per message of process CPU time (less
disturbed than wall time on a shared machine), the best and the median of 7 runs, for
a matching and a non-matching message of typical Lambda log lines.
"""

from __future__ import annotations

import json
import statistics
import time
import timeit

from nubis.control.logs import compile_filter_pattern

JSON_LINE = json.dumps(
    {
        "timestamp": "2026-12-01T12:00:00.123Z",
        "level": "ERROR",
        "message": "payment declined",
        "requestId": "8f5e2c7a-1b2d-4c3e-9f00-123456789abc",
        "latency": 812,
        "user": {"id": 42, "plan": "pro"},
        "tags": ["checkout", "eu-west-1"],
    }
)
TEXT_LINE = (
    "2026-12-01T12:00:00.123Z\t8f5e2c7a-1b2d-4c3e-9f00-123456789abc\t[ERROR]\t"
    "Unable to continue: Failed to process the request for order 1234"
)
REPORT_LINE = (
    "REPORT RequestId: 8f5e2c7a-1b2d-4c3e-9f00-123456789abc Duration: 12.34 ms "
    "Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 45 MB"
)
CASES = [
    ("term", "ERROR", TEXT_LINE, TEXT_LINE.replace("ERROR", "INFO")),
    ("terms + exclusion", "ERROR Failed -timeout", TEXT_LINE, "ERROR timeout"),
    ("?optional terms", "?ERROR ?WARN", TEXT_LINE, "INFO all good"),
    ("regex", "%order [0-9]+$%", TEXT_LINE, "order none"),
    ("json =", '{ $.level = "ERROR" }', JSON_LINE, JSON_LINE.replace("ERROR", "INFO")),
    (
        "json && ||",
        '{ ($.level = "ERROR" || $.level = "WARN") && $.latency > 500 }',
        JSON_LINE,
        JSON_LINE.replace("812", "12"),
    ),
    ("json [*] regex", "{ $.tags[*] = %^eu-% }", JSON_LINE, JSON_LINE.replace("eu-", "us-")),
    (
        "delimited",
        "[type=REPORT, ..., used, unit=MB]",
        REPORT_LINE,
        REPORT_LINE.replace("REPORT", "START"),
    ),
]


def main() -> None:
    n = 20_000
    for name, text, hit, miss in CASES:
        pattern = compile_filter_pattern(text)
        assert pattern.matches(hit), name
        assert not pattern.matches(miss), name
        for label, message in (("match", hit), ("miss", miss)):
            timer = timeit.Timer(lambda p=pattern, m=message: p.matches(m), timer=time.process_time)
            runs = [t / n * 1e6 for t in timer.repeat(7, n)]
            print(
                f"{name:18} {label:5} best {min(runs):6.2f} µs, "
                f"median {statistics.median(runs):6.2f} µs"
            )
    compile_filter_pattern.cache_clear()
    timer = timeit.Timer(
        lambda: (compile_filter_pattern.cache_clear(), compile_filter_pattern(CASES[5][1])),
        timer=time.process_time,
    )
    runs = [t / 2000 * 1e6 for t in timer.repeat(7, 2000)]
    best, median = min(runs), statistics.median(runs)
    print(f"{'compile json && ||':24} best {best:6.2f} µs, median {median:6.2f} µs")


if __name__ == "__main__":
    main()
