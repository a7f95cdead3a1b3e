"""The Lambda API's HTTP limits against raw sockets and a real server: huge request
lines and headers are refused as they arrive, slow and idle connections are closed, and
nothing of that breaks long invocations or large payloads."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, create, lambda_client, running_server

# Short timeouts so the tests wait about a second; the defaults are 10/30/60 s.
TIMEOUTS = ("--http-header-timeout", "1", "--http-body-timeout", "1", "--http-idle-timeout", "1")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("limits") / "data", *TIMEOUTS) as server:
        yield server


def _connect(srv: Server) -> socket.socket:
    host, port = srv.endpoint.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection."""
    got = b""
    while chunk := sock.recv(65536):
        got += chunk
    return got


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _vm_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_long_request_line_is_414(srv: Server) -> None:
    with _connect(srv) as sock:
        sock.sendall(b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(sock)
    assert _status(answer) == 414


def test_one_large_header_is_431(srv: Server) -> None:
    with _connect(srv) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        answer = _read_all(sock)
    assert _status(answer) == 431


def test_many_headers_over_64_kb_are_431(srv: Server) -> None:
    fields = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(80))
    with _connect(srv) as sock:
        sock.sendall(b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
        answer = _read_all(sock)
    assert _status(answer) == 431


def test_a_64_mb_header_is_refused_before_it_is_buffered(srv: Server) -> None:
    """The server answers 431 and closes long before the header ends; its memory does not
    grow by the header's size."""
    rss_before = _vm_rss_kb(srv.proc.pid)
    sent, total = 0, 64 * 1024 * 1024
    chunk = b"a" * 65536
    with _connect(srv) as sock:
        sock.sendall(b"POST /2015-03-31/functions/ HTTP/1.1\r\nX-Big: ")
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = _read_all(sock)
        except ConnectionResetError:
            answer = b""
    assert sent < total
    assert answer == b"" or _status(answer) == 431
    assert _vm_rss_kb(srv.proc.pid) - rss_before < 16 * 1024


def test_a_slow_header_sender_gets_408(srv: Server) -> None:
    with _connect(srv) as sock:
        sock.sendall(b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\n")  # no end
        answer = _read_all(sock)
    assert _status(answer) == 408


def test_a_stalled_body_gets_408(srv: Server) -> None:
    with _connect(srv) as sock:
        sock.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        answer = _read_all(sock)
    assert _status(answer) == 408


def test_an_idle_keep_alive_connection_is_closed(srv: Server) -> None:
    with _connect(srv) as sock:
        sock.sendall(b"GET /2015-03-31/functions/ HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(sock)  # returns once the server closes the idle connection
    assert _status(answer) == 200
    assert answer.count(b"HTTP/1.1 ") == 1


def test_a_connection_that_never_sends_is_closed(srv: Server) -> None:
    with _connect(srv) as sock:
        assert _read_all(sock) == b""


SLEEPER = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "echo": event.get("echo", "")}
"""


def test_invocations_outlast_the_timeouts_and_carry_6_mb(srv: Server, name: str) -> None:
    """An invoke longer than every HTTP timeout is answered (its connection is busy, not
    idle); a warm environment whose Runtime API /next waited longer than them still
    answers; payloads near Lambda's 6 MB limit pass both servers' limits."""
    client: Any = lambda_client(srv.endpoint)
    create(client, name, SLEEPER, Timeout=30, MemorySize=512)
    out = client.invoke(FunctionName=name, Payload=b'{"sleep": 2.5}')
    first = json.loads(out["Payload"].read())
    big = "x" * (5 * 1024 * 1024)
    out = client.invoke(FunctionName=name, Payload=json.dumps({"sleep": 0, "echo": big}).encode())
    second = json.loads(out["Payload"].read())
    assert second == {"pid": first["pid"], "echo": big}
