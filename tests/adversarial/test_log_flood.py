"""A function that floods its output, beside one that does not, on a real server: the
flood is throttled and its lines cut (with markers saying so), the disk keeps only the
log caps' worth, and the neighbour keeps answering correctly throughout."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nubis.engine.log_limit import MARKER_PREFIX
from tests.helpers import create, lambda_client, running_server

MB = 1024 * 1024
GROUP_MAX_MB = 2
SEGMENT_MAX = 256 * 1024  # the sink's segments at a 2 MB group cap (group_max // 8)
LONG_LINE = 600_000

FLOODER = f"""
import sys
def handler(event, context):
    sys.stdout.write("L" * {LONG_LINE} + "\\n")
    line = "x" * 1023 + "\\n"
    for _ in range(event["kb"]):
        sys.stdout.write(line)
    sys.stdout.flush()
    return "flooded"
"""

NEIGHBOUR = """
def handler(event, context):
    return {"n": event["n"] * 2}
"""


def _group_files(data_dir: Path, name: str) -> list[Path]:
    group = quote(f"/aws/lambda/{name}", safe="")
    return [p for p in (data_dir / "logs" / group).iterdir() if p.is_file()]


def _log_text(endpoint: str, name: str) -> str:
    """The function's logs as `nubis logs` reads them (which flushes the sink first)."""
    with urllib.request.urlopen(f"{endpoint}/_nubis/logs/{name}") as r:
        return str(r.read().decode(errors="replace"))


def test_flood_is_throttled_capped_and_spares_its_neighbour(data_dir: Path) -> None:
    flags = ("--log-rate-mb", "1", "--log-burst-mb", "1")
    caps = ("--log-group-max-mb", str(GROUP_MAX_MB), "--log-total-max-mb", "4")
    with running_server(data_dir, *flags, *caps) as srv:
        client = lambda_client(srv.endpoint)
        create(client, "flooder", FLOODER, Timeout=120)
        create(client, "neighbour", NEIGHBOUR)
        try:
            _run(client, srv.endpoint, data_dir)
        finally:
            client.close()


def _run(client: Any, endpoint: str, data_dir: Path) -> None:
    # One flood first: its long line is cut where the event size limit is.
    first = client.invoke(FunctionName="flooder", Payload=b'{"kb": 4096}', LogType="Tail")
    assert json.loads(first["Payload"].read()) == "flooded"
    tail = base64.b64decode(first["LogResult"]).decode()
    assert MARKER_PREFIX in tail  # the drop is reported before END
    assert tail.index(MARKER_PREFIX) < tail.index("END RequestId")
    cut = LONG_LINE - 256 * 1024
    deadline = time.monotonic() + 10
    while f"line truncated: {cut} bytes cut" not in _log_text(endpoint, "flooder"):
        assert time.monotonic() < deadline, "no truncation marker in the flooder's log"
        time.sleep(0.05)

    # More floods in the background; the neighbour is invoked all the while.
    errors: list[BaseException] = []
    floods_done = threading.Event()

    def flood() -> None:
        own = lambda_client(endpoint)
        try:
            for _ in range(3):
                out = own.invoke(FunctionName="flooder", Payload=b'{"kb": 16384}')
                assert json.loads(out["Payload"].read()) == "flooded"
        except BaseException as exc:  # reported below, not lost in a dying thread
            errors.append(exc)
        finally:
            own.close()
            floods_done.set()

    flooder = threading.Thread(target=flood)
    flooder.start()
    answered = 0
    while not floods_done.is_set() or answered < 50:
        out = client.invoke(FunctionName="neighbour", Payload=json.dumps({"n": answered}))
        assert json.loads(out["Payload"].read()) == {"n": answered * 2}
        answered += 1
        # Paced: the neighbour's own logs (about 250 bytes a call) must stay under the
        # caps, or the caps would rightly trim them; unpaced, a fast machine answered
        # 8,500 calls (2.1 MB) during the floods.
        time.sleep(0.01)
    flooder.join(120)
    assert errors == []

    # 4 + 3 * 16 MB were written; what stays of the flooder's group is its cap plus at
    # most the segment being written per stream, and the neighbour's logs are all there.
    assert _log_text(endpoint, "neighbour").count("END RequestId") == answered  # flushes
    files = _group_files(data_dir, "flooder")
    streams = {p.name.split(".log")[0] for p in files}
    kept = sum(p.stat().st_size for p in files)
    assert kept <= GROUP_MAX_MB * MB + len(streams) * SEGMENT_MAX + 64 * 1024, (kept, streams)
    assert MARKER_PREFIX in _log_text(endpoint, "flooder")
