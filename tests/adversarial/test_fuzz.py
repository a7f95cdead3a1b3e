"""Fuzz every operation of every served botocore model (Lambda REST-JSON, SQS JSON) with
requests generated from the operation's input shape, sent raw over HTTP to a real server.

Each request starts from plausible values (real function, queue and layer names where a
member names one) and then breaks one thing: a member of the wrong type, a required member
dropped, an oversize string or list, unicode (lone surrogates, NUL, bidi), deep nesting, a
huge number, or a body that is not JSON at all. Deterministic (fixed seed), bounded
(`PER_OPERATION` requests per operation; the count is printed).

Every answer must be below 500, parse with botocore's parser for the protocol (an error
with a code), and the server must still serve afterwards.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser

from tests.helpers import ROLE, Server, lambda_client, make_zip, running_server

SEED = int(os.environ.get("NUBIS_FUZZ_SEED", "20240609"))  # override to explore
PER_OPERATION = 40
UNROUTED = 2
PROTOCOLS = {"lambda": "rest-json", "sqs": "json"}
SQS_TARGET = "AmazonSQS."
SQS_JSON = "application/x-amz-json-1.0"
ZIP = make_zip({"lambda_function.py": "def handler(e, c):\n    return e\n"})
FIXED = {"WaitTimeSeconds": 0}  # plausible values only: a long poll would just wait
WEIRD = ["\ud800", "a\x00b", "\u202eevil", "\U0001f4a9" * 3, "../../etc/passwd", "%00", " ", ""]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("fuzz") / "data", "--idle-timeout", "5") as srv:
        yield srv


class Gen:
    """Values for shapes: plausible ones (`value`) and hostile ones (`hostile`)."""

    def __init__(self, rnd: random.Random, pools: dict[str, list[Any]]) -> None:
        self.rnd = rnd
        self.pools = pools

    def value(self, shape: Shape, name: str = "", depth: int = 0) -> Any:
        if name in FIXED:
            return FIXED[name]
        pool = self.pools.get(name)
        if pool and self.rnd.random() < 0.7:
            return self.rnd.choice(pool)
        kind = shape.type_name
        meta = shape.metadata
        if kind == "string":
            if shape.enum:
                return self.rnd.choice(shape.enum)
            low, high = int(meta.get("min", 1)), int(min(meta.get("max", 24), 24))
            size = self.rnd.randint(low, max(low, high))
            return "".join(self.rnd.choice("abcXYZ019-_") for _ in range(size))
        if kind in ("integer", "long"):
            low, high = int(meta.get("min", 0)), int(min(meta.get("max", 100), 100))
            return self.rnd.randint(low, max(low, high))
        if kind in ("float", "double"):
            return self.rnd.random() * 100
        if kind == "boolean":
            return self.rnd.random() < 0.5
        if kind == "timestamp":
            return int(time.time())
        if kind == "blob":
            return ZIP if name == "ZipFile" else self.rnd.randbytes(self.rnd.randint(0, 32))
        if depth > 4:
            return None
        if kind == "list":
            member = shape.member  # type: ignore[attr-defined]
            return [self.value(member, "", depth + 1) for _ in range(self.rnd.randint(0, 3))]
        if kind == "map":
            key, val = shape.key, shape.value  # type: ignore[attr-defined]
            return {
                str(self.value(key, "", depth + 1)): self.value(val, "", depth + 1)
                for _ in range(self.rnd.randint(0, 3))
            }
        if kind == "structure":
            return self.structure(shape, depth)
        return None

    def structure(self, shape: Shape, depth: int = 0) -> dict[str, Any]:
        required = set(shape.metadata.get("required", ()))
        out: dict[str, Any] = {}
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if name in required or self.rnd.random() < 0.5:
                value = self.value(member, name, depth + 1)
                if value is not None:
                    out[name] = value
        return out

    def hostile(self, shape: Shape) -> Any:
        kind = shape.type_name
        choices: list[Any] = [
            None,
            True,
            12345678901234567890123,
            -(2**63) - 1,
            1e308,
            "x" * 70_000,
            "9" * 5000,  # a "number" in a string, e.g. a paging marker
            self.rnd.choice(WEIRD),
            [self.rnd.choice(WEIRD)] * 2000,
            {"k": self.rnd.choice(WEIRD)},
            self._nested(self.rnd.choice((50, 900, 5000))),
        ]
        if kind in ("integer", "long", "float", "double"):
            choices += ["abc", "1" * 5000, -1, 2**31]
        if kind == "blob":
            choices += ["!!!not base64!!!", base64.b64encode(b"x" * 100_000).decode()]
        if kind == "timestamp":
            choices += ["yesterday", 1e20, -1]
        return self.rnd.choice(choices)

    def _nested(self, depth: int) -> Any:
        value: Any = "leaf"
        for i in range(depth):
            value = [value] if i % 2 else {"n": value}
        return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(_jsonable(value)).encode()
    except RecursionError:  # a 5000-deep value: write it out by hand
        return b"[" * 5000 + b"]" * 5000


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return _dumps(value).decode()
    return str(value)


def _url_part(value: Any, greedy: bool) -> str:
    return quote(_text(value).encode("utf-8", "surrogatepass"), safe="/" if greedy else "")


def _header(value: Any) -> str:
    text = _text(value)[:8000]
    return (
        text
        if text.isprintable() and text.isascii()
        else quote(text.encode("utf-8", "surrogatepass"))
    )


def rest_request(
    op: OperationModel, params: dict[str, Any]
) -> tuple[str, str, dict[str, str], bytes]:
    shape = op.input_shape
    path, _, fixed = op.http["requestUri"].partition("?")
    labels: dict[str, Any] = {}
    query: list[tuple[str, bytes]] = [
        (k, v.encode()) for k, _, v in (p.partition("=") for p in fixed.split("&") if p)
    ]
    headers: dict[str, str] = {"Content-Type": "application/json"}
    body: dict[str, Any] = {}
    payload = shape.serialization.get("payload") if shape is not None else None
    raw = b""
    for name, member in shape.members.items() if shape is not None else ():
        if name not in params:
            continue
        value, where = params[name], member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if where == "uri":
            labels[wire] = value
        elif where == "querystring":
            items = (
                value.items()
                if isinstance(value, dict)
                else [(wire, v) for v in (value if isinstance(value, list) else [value])]
            )
            query += [(str(k), _text(v).encode("utf-8", "surrogatepass")) for k, v in items]
        elif where == "header":
            headers[wire] = _header(value)
        elif where == "headers" and isinstance(value, dict):
            headers.update({wire + str(k): _header(v) for k, v in value.items()})
        elif name == payload:
            raw = value if isinstance(value, bytes) else _dumps(value)
        else:
            body[wire] = value
    url = re.sub(r"\{([^}+]+)(\+?)\}", lambda m: _url_part(labels.get(m[1], ""), bool(m[2])), path)
    if query:
        url += "?" + urlencode(query)
    return op.http["method"], url, headers, raw or (_dumps(body) if body else b"")


def _mutate(gen: Gen, op: OperationModel, params: dict[str, Any]) -> bytes | None:
    """Break one thing in `params` (in place); or return a raw body to send instead."""
    rnd, shape = gen.rnd, op.input_shape
    roll = rnd.random()
    if shape is None or roll < 0.1:
        return None
    members = shape.members  # type: ignore[attr-defined]
    if roll < 0.25 and params:
        params.pop(rnd.choice(sorted(params)))
        return None
    if roll < 0.85 and members:
        name = rnd.choice(sorted(members))
        target, member = params, members[name]
        while (
            member.type_name == "structure"
            and isinstance(target.get(name), dict)
            and rnd.random() < 0.5
        ):
            inner = member.members  # type: ignore[attr-defined]
            if not inner:
                break
            target, name = target[name], rnd.choice(sorted(inner))
            member = inner[name]
        target[name] = gen.hostile(member)
        return None
    return rnd.choice(
        [
            b"{",
            b"[]",
            b'"str"',
            b"null",
            b"\xff\xfe\x00",
            b"[" * 100_000,
            b'{"a":' * 50_000,
            rnd.randbytes(64),
        ]
    )


def _send(
    server: Server, method: str, url: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        conn.request(method, url, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _check(
    protocol: str, op: OperationModel, status: int, headers: dict[str, str], body: bytes
) -> str | None:
    """The error code of the answer (None for a success); fails the test on a 5xx or an
    answer the client's parser cannot read."""
    assert status < 500, f"{op.name} -> {status} {body[:200]!r}"
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    output = op.output_shape if status < 300 and not op.has_event_stream_output else None
    parsed = create_parser(protocol).parse(response, output)
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        assert code, f"{op.name} -> {status} without an error code: {body[:300]!r}"
        return str(code)
    return None


def _seed(server: Server) -> dict[str, list[Any]]:
    """Real resources for the generated requests to hit."""
    lam = lambda_client(server.endpoint)
    fn = lam.create_function(
        FunctionName="fz-fn",
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": ZIP},
    )
    layer = lam.publish_layer_version(LayerName="fz-layer", Content={"ZipFile": ZIP})
    lam.close()
    session = botocore.session.get_session()
    sqs = session.create_client(
        "sqs",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    url = sqs.create_queue(QueueName="fz-q")["QueueUrl"]
    fifo = sqs.create_queue(QueueName="fz-q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for i in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    handles = [
        m["ReceiptHandle"]
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]
    sqs.close()
    return {
        "FunctionName": ["fz-fn", fn["FunctionArn"], "fz-fn:$LATEST"],
        "Qualifier": ["$LATEST"],
        "Runtime": ["python3.11"],
        "Role": [ROLE],
        "Handler": ["lambda_function.handler"],
        "LayerName": ["fz-layer", layer["LayerArn"]],
        "Arn": [layer["LayerVersionArn"], fn["FunctionArn"]],
        "Resource": [fn["FunctionArn"]],
        "QueueUrl": [url, fifo],
        "QueueName": ["fz-q", "fz-q.fifo"],
        "ReceiptHandle": handles or ["x"],
        "Id": ["a", "b"],
    }


@dataclass
class Tally:
    sent: int = 0
    routed: set[str] = field(default_factory=set)
    unrouted: set[str] = field(default_factory=set)
    codes: dict[str | None, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _one(
    server: Server, gen: Gen, service: str, op: OperationModel, mutate: bool, tally: Tally
) -> str | None:
    params = gen.structure(op.input_shape) if op.input_shape is not None else {}
    raw = _mutate(gen, op, params) if mutate else None
    if service == "lambda":
        method, url, headers, body = rest_request(op, params)
    else:
        method, url, body = "POST", "/", _dumps(params)
        headers = {"X-Amz-Target": SQS_TARGET + op.name, "Content-Type": SQS_JSON}
    body = raw if raw is not None else body
    status, answer_headers, answer = _send(server, method, url, headers, body)
    tally.sent += 1
    try:
        code = _check(PROTOCOLS[service], op, status, answer_headers, answer)
    except AssertionError as exc:
        tally.failures.append(f"{exc} (sent {method} {url[:200]} {body[:200]!r})")
        return None
    tally.codes[code] = tally.codes.get(code, 0) + 1
    return code


def test_fuzz_every_operation(server: Server) -> None:
    """An operation Nubis does not serve is probed and then tried only `UNROUTED` times
    more; the budget goes to the operations it serves."""
    gen = Gen(random.Random(SEED), _seed(server))
    session = botocore.session.get_session()
    tally = Tally()
    for service in PROTOCOLS:
        model = session.get_service_model(service)
        for name in model.operation_names:
            op = model.operation_model(name)
            code = _one(server, gen, service, op, False, tally)
            served = code not in ("UnknownOperationException", "InvalidAction")
            (tally.routed if served else tally.unrouted).add(f"{service}:{name}")
            for _ in range(PER_OPERATION if served else UNROUTED):
                _one(server, gen, service, op, True, tally)
    status, _, _ = _send(server, "GET", "/2015-03-31/functions", {}, b"")
    assert status == 200
    assert server.proc.poll() is None
    print(
        f"\nfuzz: {tally.sent} requests; {len(tally.routed)} served operations, "
        f"{len(tally.unrouted)} not served; answers: {sorted(tally.codes.items(), key=str)}"
    )
    assert not tally.failures, "\n".join(sorted(set(tally.failures)))
