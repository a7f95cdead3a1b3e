"""How an invocation (or an init) ends when the runtime did not answer: its result and log.

An invocation waits on one future (`Reply`), resolved by the runtime's reply through the
Runtime API, by the timeout's timer or by the process's exit, whichever comes first: one
await and no extra tasks on the warm path. The last two resolve it with the sentinels
here, compared by identity. The results and log lines are Lambda's
(`Sandbox.Timedout`, `Runtime.ExitError`, nubis/engine/logs.py).
"""

from __future__ import annotations

import asyncio
import json

from nubis.engine import logs
from nubis.engine import runtime_api_constants as C
from nubis.engine.runtime_api import Reply
from nubis.engine.stream import LogStream
from nubis.model.function import InvokeResult

# Outcomes that are not a runtime's reply; compared by identity.
TIMED_OUT = Reply(b"", C.ERR_TIMEOUT)
EXITED = Reply(b"", C.ERR_EXIT)


def resolve(future: asyncio.Future[Reply], outcome: Reply) -> None:
    """The first outcome wins; later ones are ignored."""
    if not future.done():
        future.set_result(outcome)


def error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def exited(log: LogStream, request_id: str, how: str) -> InvokeResult:
    """The process ended before it answered; its output is drained already."""
    message = logs.exit_message(request_id, how)
    log.emit(f"{message}\n{C.ERR_EXIT}\n")
    return InvokeResult(error_payload(C.ERR_EXIT, message), C.FUNCTION_ERROR_UNHANDLED)


def timed_out(log: LogStream, now: float, request_id: str, timeout_s: float) -> InvokeResult:
    """The invocation ran out of time; the process is killed and its output drained."""
    log.emit(logs.timeout_line(now, request_id, timeout_s))
    message = logs.timeout_message(request_id, timeout_s)
    return InvokeResult(error_payload(C.ERR_TIMEOUT, message), C.FUNCTION_ERROR_UNHANDLED)


def init_timed_out(timeout_s: float) -> InvokeResult:
    message = f"Init timed out after {timeout_s:.2f} seconds"
    return InvokeResult(error_payload(C.ERR_TIMEOUT, message), C.FUNCTION_ERROR_UNHANDLED)
