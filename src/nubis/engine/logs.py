"""The platform's log lines and stream names, in Lambda's exact format."""

from __future__ import annotations

import time

from nubis.observe.records import InvocationReport


def stream_name(wall_time: float, version: str, env_id: str) -> str:
    """`2024/01/31/[$LATEST]<32 hex>`: one stream per environment."""
    return f"{time.strftime('%Y/%m/%d', time.gmtime(wall_time))}/[{version}]{env_id}"


def timestamp(wall_time: float) -> str:
    """`2024-01-31T12:00:00.123Z`, the timestamp Lambda puts on platform messages."""
    millis = int(wall_time * 1000) % 1000
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(wall_time))}.{millis:03d}Z"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(report: InvocationReport) -> str:
    """The REPORT line: a rendering of the invocation's record, field for field."""
    line = (
        f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
        f"Billed Duration: {report.billed_duration_ms} ms\t"
        f"Memory Size: {report.memory_size_mb} MB\t"
        f"Max Memory Used: {report.max_memory_used_mb} MB\t"
    )
    if report.init_duration_ms is not None:
        line += f"Init Duration: {report.init_duration_ms:.2f} ms\t"
    if report.restore_duration_ms is not None:  # SnapStart: restored, not initialised
        line += (
            f"Restore Duration: {report.restore_duration_ms:.2f} ms\t"
            f"Billed Restore Duration: {report.billed_restore_duration_ms} ms\t"
        )
    return line + "\n"


def timeout_line(wall_time: float, request_id: str, timeout_s: float) -> str:
    return f"{timestamp(wall_time)} {request_id} Task timed out after {timeout_s:.2f} seconds\n"


def timeout_message(request_id: str, timeout_s: float) -> str:
    return f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"


def exit_message(request_id: str, how: str) -> str:
    """`how` is e.g. `exit status 1` or `signal: killed`; a clean exit (status 0) before
    answering is Lambda's "Runtime exited without providing a reason"."""
    if how == "exit status 0":
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: Runtime exited with error: {how}"
