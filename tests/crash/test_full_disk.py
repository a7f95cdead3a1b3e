"""A full data volume: writes get a 500 that says what is wrong (Lambda's ServiceException,
SQS's InternalFailure, both about storage), reads and sync invokes keep working, nothing
acknowledged is lost, and writes work again once space returns.

The server's data dir is on a small tmpfs (root only), filled with a file until a single
byte no longer fits."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.compat.sqs.conftest import sqs_client
from tests.helpers import Server, create, lambda_client, running_server

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

STORAGE = "no space left on the data volume"
ECHO = """
def handler(event, context):
    # A file outside the full volume says that the event was processed.
    if isinstance(event, dict) and "mark" in event:
        with open(event["mark"], "a") as f:
            f.write(event["id"] + "\\n")
    return event
"""


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "data"  # the server's log goes beside it, off the volume
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mount)], check=True
    )
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)
        mount.rmdir()


def _fill(volume: Path) -> Path:
    """Write a file until not one more byte fits."""
    filler = volume / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 16, 4096, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    r = exc.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def _assert_storage_error(exc: pytest.ExceptionInfo[ClientError], code: str) -> None:
    got_code, status, message = _error(exc)
    assert (got_code, status) == (code, 500), message
    assert STORAGE in message


def _drain(sqs: Any, url: str) -> set[str]:
    bodies: set[str] = set()
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        bodies.update(m["Body"] for m in got)


@pytest.fixture
def server(volume: Path) -> Iterator[Server]:
    with running_server(volume) as srv:
        yield srv


def _marked(path: Path, ids: set[str]) -> bool:
    """Wait (generously: this is an end-to-end test) for every id to be written."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and ids <= set(path.read_text().split()):
            return True
        time.sleep(0.05)
    return False


def test_full_data_volume(server: Server, volume: Path, tmp_path: Path) -> None:
    lam, sqs = lambda_client(server.endpoint), sqs_client(server.endpoint)
    create(lam, "reader", ECHO)
    create(lam, "cold", ECHO)  # first invoked while the volume is full
    assert (
        lam.invoke(FunctionName="reader", Payload=b'{"warm": 1}')["Payload"].read()
        == b'{"warm": 1}'
    )
    url = sqs.create_queue(QueueName="kept")["QueueUrl"]
    acknowledged = {f"before-{i}" for i in range(20)}
    for body in sorted(acknowledged):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    mark = tmp_path / "processed.txt"
    events = {f"event-{i}" for i in range(5)}
    for event in sorted(events):
        payload = json.dumps({"mark": str(mark), "id": event}).encode()
        assert (
            lam.invoke(FunctionName="reader", InvocationType="Event", Payload=payload)["StatusCode"]
            == 202
        )

    filler = _fill(volume)
    with pytest.raises(ClientError) as exc:
        create(lam, "refused", ECHO)
    _assert_storage_error(exc, "ServiceException")
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 200_000)
    _assert_storage_error(exc, "InternalFailure")
    with pytest.raises(ClientError) as exc:
        lam.invoke(
            FunctionName="reader",
            InvocationType="Event",
            Payload=b"{" + b'"a":1,' * 50_000 + b'"b":2}',
        )
    _assert_storage_error(exc, "ServiceException")
    # Reads and synchronous invocations need no new space.
    assert lam.get_function(FunctionName="reader")["Configuration"]["FunctionName"] == "reader"
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["cold", "reader"]
    assert (
        lam.invoke(FunctionName="reader", Payload=b'{"full": 1}')["Payload"].read()
        == b'{"full": 1}'
    )
    assert lam.invoke(FunctionName="cold", Payload=b"[1]")["Payload"].read() == b"[1]"
    assert sqs.get_queue_url(QueueName="kept")["QueueUrl"] == url

    filler.unlink()
    create(lam, "after", ECHO)
    assert lam.invoke(FunctionName="after", Payload=b"2")["Payload"].read() == b"2"
    assert (
        lam.invoke(FunctionName="reader", InvocationType="Event", Payload=b"{}")["StatusCode"]
        == 202
    )
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert _drain(sqs, url) == {*acknowledged, "after"}
    after = json.dumps({"mark": str(mark), "id": "event-after"}).encode()
    lam.invoke(FunctionName="reader", InvocationType="Event", Payload=after)
    assert _marked(mark, {*events, "event-after"})
    assert server.proc.poll() is None
    lam.close()
    sqs.close()


def test_a_full_volume_costs_log_text_not_the_server(server: Server, volume: Path) -> None:
    """Function logs are best effort: with the volume full, invocations still answer, the
    log text that does not fit is dropped (and counted in a warning), and the server
    still stops cleanly."""
    lam = lambda_client(server.endpoint)
    create(lam, "talker", "def handler(e, c):\n    print('x' * 1000)\n    return 1\n")
    _fill(volume)
    for _ in range(20):
        assert lam.invoke(FunctionName="talker", Payload=b"{}")["Payload"].read() == b"1"
    time.sleep(0.5)  # past the sink's flush delay: its buffered writes fail now
    assert lam.invoke(FunctionName="talker", Payload=b"{}")["Payload"].read() == b"1"
    lam.close()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0
    log = server.log()
    assert "Traceback" not in log, log
    assert "function logs not written" in log, log
