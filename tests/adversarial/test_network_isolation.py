"""Two isolated servers on one host: an environment reaches its own API and nothing local
else: not another environment of its server, not one of the other server, not other host
services (on loopback or on the bridge's address), not the other server's API.

Every address used is this machine's own (loopback, the bridges, the namespaces): no
packet of this test leaves the host.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from nubis.engine.local import LocalEngine
from nubis.model.function import FunctionSpec
from nubis.model.settings import EngineSettings
from nubis.observe.memory import MemoryLogSink
from nubis.sandbox.linux import LinuxSandbox, LinuxSandboxSettings
from tests.unit.engine.conftest import MakeSpec, make_spec
from tests.unit.engine.helpers import assert_gone, children_of, request
from tests.unit.sandbox.helpers import DISK_DIR, RUN_DIR, leftovers, needs_isolation, needs_network

__all__ = ["make_spec"]
pytestmark = [needs_isolation, needs_network]

# Opens a listener that outlives the invocation (the kernel completes handshakes while
# the environment is frozen), then tries each target; "connected" means it got a byte.
PROBE = """
import socket

listener = None

def handler(event, context):
    global listener
    if event.get("listen") and listener is None:
        listener = socket.socket()
        listener.bind(("0.0.0.0", event["listen"]))
        listener.listen(8)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("nubis-host", 9))
    out = {"address": s.getsockname()[0], "targets": {}}
    s.close()
    for name, (host, port) in event.get("targets", {}).items():
        c = socket.socket()
        c.settimeout(2)
        try:
            c.connect((host, port))
            out["targets"][name] = "connected" if event.get("no_read") else c.recv(16).decode()
        except OSError as e:
            out["targets"][name] = type(e).__name__
        finally:
            c.close()
    return out
"""
ENV_PORT = 8080


@contextmanager
def _listener(host: str, reply: bytes) -> Iterator[int]:
    """A TCP service of the host that greets whoever connects with `reply`."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(16)
    sock.setblocking(False)
    port = sock.getsockname()[1]

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        while True:
            conn, _ = await loop.sock_accept(sock)
            await loop.sock_sendall(conn, reply)
            conn.close()

    task = asyncio.get_running_loop().create_task(serve())
    try:
        yield port
    finally:
        task.cancel()
        sock.close()


async def _server(stack: ExitStack, api_port: int) -> tuple[LocalEngine, LinuxSandbox]:
    sandbox = LinuxSandbox(
        LinuxSandboxSettings(run_dir=RUN_DIR, disk_dir=DISK_DIR, keep_ready=1, api_port=api_port)
    )
    stack.callback(lambda: _assert_clean(sandbox.instance))
    stack.callback(sandbox.close)
    engine = LocalEngine(EngineSettings(), MemoryLogSink(), sandbox=sandbox)
    await engine.start()
    return engine, sandbox


def _assert_clean(instance: str) -> None:
    assert leftovers(instance) == []


async def _invoke(engine: LocalEngine, spec: FunctionSpec, event: dict[str, Any]) -> Any:
    result = await engine.invoke(spec, request(spec, json.dumps(event).encode()))
    assert result.function_error is None, result.payload
    return json.loads(result.payload)


def test_an_environment_reaches_its_api_and_nothing_else_local(make_spec: MakeSpec) -> None:
    children_before = set(children_of(os.getpid()))

    async def main() -> None:
        with ExitStack() as stack:
            api_a = stack.enter_context(_listener("127.0.0.1", b"api of A"))
            api_b = stack.enter_context(_listener("127.0.0.1", b"api of B"))
            database = stack.enter_context(_listener("127.0.0.1", b"database"))
            wildcard = stack.enter_context(_listener("0.0.0.0", b"wildcard"))
            engine_a, sandbox_a = await _server(stack, api_a)
            engine_b, sandbox_b = await _server(stack, api_b)
            engines = (engine_a, engine_b)
            try:
                await _probe(engine_a, engine_b, sandbox_a, sandbox_b, make_spec)
                ports = {
                    "api": api_a,
                    "database": database,
                    "wildcard": wildcard,
                    "other api": api_b,
                }
                assert sandbox_b.gateway is not None
                await _probe_ports(engine_a, make_spec, ports, sandbox_b.gateway)
            finally:
                pids = [p for e in engines for p in e.process_ids()]
                for engine in engines:
                    await engine.close()
                assert_gone(pids, children_before)

    asyncio.run(main())


async def _probe(
    engine_a: LocalEngine,
    engine_b: LocalEngine,
    sandbox_a: LinuxSandbox,
    sandbox_b: LinuxSandbox,
    make_spec: MakeSpec,
) -> None:
    listening = make_spec(PROBE, name="listening")
    first = await _invoke(engine_a, listening, {"listen": ENV_PORT})
    target = (first["address"], ENV_PORT)
    # The host itself reaches the listener: what the environments below get is refusal.
    with socket.create_connection(target, timeout=5):
        pass
    event = {"targets": {"env": target}, "no_read": True}
    neighbour = await _invoke(engine_a, make_spec(PROBE, name="neighbour"), event)
    assert neighbour["address"] != first["address"]
    assert neighbour["targets"]["env"] != "connected"
    other = await _invoke(engine_b, make_spec(PROBE, name="other"), event)
    assert other["address"].rsplit(".", 1)[0] != first["address"].rsplit(".", 1)[0]
    assert other["targets"]["env"] != "connected"
    assert sandbox_a.gateway != sandbox_b.gateway


async def _probe_ports(
    engine: LocalEngine, make_spec: MakeSpec, ports: dict[str, int], other_gateway: str
) -> None:
    targets = {
        "own api": ("nubis-host", ports["api"]),
        "loopback service": ("nubis-host", ports["database"]),
        "wildcard service": ("nubis-host", ports["wildcard"]),
        "other server's api": (other_gateway, ports["other api"]),
        "wildcard at the other bridge": (other_gateway, ports["wildcard"]),
    }
    seen = await _invoke(engine, make_spec(PROBE, name="ports"), {"targets": targets})
    got = seen["targets"]
    assert got.pop("own api") == "api of A"
    # Refused at once (an ICMP "administratively prohibited"), not left to time out.
    assert set(got.values()) <= {"OSError", "ConnectionRefusedError"}, got
