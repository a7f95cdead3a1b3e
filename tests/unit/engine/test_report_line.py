"""The REPORT line, rendered from an InvocationReport, is byte for byte what the engine
wrote before records existed (the reference below is that code, kept verbatim)."""

from __future__ import annotations

import itertools
import math

from nubis.engine import logs
from nubis.observe.records import InvocationReport


def reference(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_duration_ms: float | None,
    restore_duration_ms: float | None = None,
) -> str:
    billed = max(1, math.ceil(duration_ms))
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_memory_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if restore_duration_ms is not None:
        line += (
            f"Restore Duration: {restore_duration_ms:.2f} ms\t"
            f"Billed Restore Duration: {max(1, math.ceil(restore_duration_ms))} ms\t"
        )
    return line + "\n"


def test_report_line_is_unchanged() -> None:
    durations = [0.0, 0.004, 0.5, 1.0, 1.0001, 2.999, 12.345678, 899999.99]
    optional = [None, 0.0, 0.3, 41.27, 1000.001]
    for duration, init, restore in itertools.product(durations, optional, optional):
        report = InvocationReport(
            at=1.7e9,
            request_id="6bc28136-xmpl-4365-b021-0ce6b2e64ab0",
            function_name="f",
            version="$LATEST",
            duration_ms=duration,
            memory_size_mb=128,
            max_memory_used_mb=31,
            init_duration_ms=init,
            restore_duration_ms=restore,
            error_type="Runtime.ExitError",
        )
        expected = reference(report.request_id, duration, 128, 31, init, restore)
        assert logs.report_line(report) == expected
