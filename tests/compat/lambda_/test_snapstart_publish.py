"""SnapStart through the API: PublishVersion starts the version's init, so even the first
invocation of the version restores an initialised environment."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from tests.helpers import create

MARKED_INIT = """
import os, time
time.sleep(0.2)  # an expensive init
open(os.environ["MARK"], "a").write("init\\n")  # the test server runs unisolated

def handler(event, context):
    return "ok"
"""


def _report(out: Any) -> str:
    tail = base64.b64decode(out["LogResult"]).decode()
    return next(line for line in tail.splitlines() if line.startswith("REPORT"))


def test_publish_prepares_the_snapstart_version(client: Any, name: str, tmp_path: Path) -> None:
    mark = tmp_path / "init-ran"
    create(
        client,
        name,
        MARKED_INIT,
        SnapStart={"ApplyOn": "PublishedVersions"},
        Environment={"Variables": {"MARK": str(mark)}},
    )
    version = client.publish_version(FunctionName=name)
    assert version["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    deadline = time.monotonic() + 15
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mark.exists(), "publishing did not start the version's init"
    time.sleep(1.0)  # after the mark, init only has to define the handler and ask for /next
    out = client.invoke(FunctionName=name, Qualifier=version["Version"], LogType="Tail")
    assert out["Payload"].read() == b'"ok"'
    report = _report(out)
    assert "Restore Duration" in report
    assert "Init Duration" not in report
    assert mark.read_text() == "init\n"  # init ran once, before the invocation
