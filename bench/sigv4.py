"""The cost of verifying one SigV4 signature, against botocore's cost of making it.

    .venv/bin/python bench/sigv4.py            # about 10 s; prints a markdown snippet
    .venv/bin/python bench/sigv4.py --quick

Requests are real botocore ones (a Lambda Invoke with a 2 KB payload, a GetFunction, an
SQS SendMessage, an S3 PutObject), caught before sending. Each figure is the median over
batches of the time per call:

- botocore: `SigV4Auth.add_auth` of the same request (the baseline, measured in this run);
- verify (warm): `Verifier.verify` with the signing key cached, the header form;
- verify (cold key): the same with a cache of size 0 (four extra HMACs per request);
- parse: `parse_authorization` alone.

The secret lookup is `MemorySecrets`, which never suspends, so the coroutine is driven by
hand (`send(None)`): what is measured is the verifier's CPU, not the event loop's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from nubis.http.authorization import parse_authorization
from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import Verifier

ACCESS_KEY = "AKIDBENCH"
SECRET = "bench/SECRET+key/0123456789abcdefEXAMPLE"
REGION = "us-east-1"
SIGNED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _capture(service: str, operation: str, **params: Any) -> Any:
    """The prepared request botocore would send (an AWSPreparedRequest)."""
    client = botocore.session.Session().create_client(
        service,
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9000",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )

    def catch(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", catch)
    try:
        getattr(client, operation)(**params)
    except _Captured as captured:
        return captured.request
    raise RuntimeError(f"{operation} was not sent")


def _wire(request: Any) -> tuple[str, str, str, dict[str, str], bytes]:
    split = urlsplit(request.url)
    headers = {
        (k.decode() if isinstance(k, bytes) else k).lower(): (
            v.decode("latin-1") if isinstance(v, bytes) else v
        )
        for k, v in request.headers.items()
    }
    headers.setdefault("host", split.netloc)
    body = request.body
    if hasattr(body, "read"):
        body.seek(0)
        body = body.read()
    return request.method, split.path, split.query, headers, body or b""


def _drive(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the secret source suspended")


def _per_call_us(call: Callable[[], object], batch: int, batches: int) -> float:
    for _ in range(batch // 10):  # warm-up
        call()
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - start) / batch * 1e6)
    return statistics.median(samples)


def _requests() -> dict[str, Any]:
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNED_AT):
        return {
            "Lambda Invoke (2 KB)": _capture(
                "lambda", "invoke", FunctionName="hello", Payload=b'{"k": "' + b"x" * 2040 + b'"}'
            ),
            "Lambda GetFunction": _capture("lambda", "get_function", FunctionName="hello"),
            "SQS SendMessage": _capture(
                "sqs", "send_message", QueueUrl="http://127.0.0.1:9000/1/q", MessageBody="hi"
            ),
            "S3 PutObject (4 B)": _capture("s3", "put_object", Bucket="b", Key="k", Body=b"data"),
        }


def _measure(name: str, request: Any, batch: int, batches: int) -> dict[str, float]:
    method, path, query, headers, body = _wire(request)
    now = SIGNED_AT.timestamp()
    secrets = MemorySecrets([KeyRecord(ACCESS_KEY, SECRET)])
    warm = Verifier(secrets)
    cold = Verifier(secrets, cache_size=0)
    _drive(warm.verify(method, path, query, headers, body, now))  # fails loudly if it does not
    signer = botocore.auth.SigV4Auth(
        Credentials(ACCESS_KEY, SECRET), headers["authorization"].split("/")[3], REGION
    )
    if name.startswith("S3"):
        signer = botocore.auth.S3SigV4Auth(Credentials(ACCESS_KEY, SECRET), "s3", REGION)
    unsigned = AWSRequest(
        method=method,
        url=request.url,
        headers={k: v for k, v in headers.items() if k != "authorization"},
        data=body,
    )
    return {
        "botocore": _per_call_us(lambda: signer.add_auth(unsigned), batch, batches),
        "warm": _per_call_us(
            lambda: _drive(warm.verify(method, path, query, headers, body, now)), batch, batches
        ),
        "cold": _per_call_us(
            lambda: _drive(cold.verify(method, path, query, headers, body, now)), batch, batches
        ),
        "parse": _per_call_us(lambda: parse_authorization(headers, query), batch, batches),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    batch, batches = (500, 5) if args.quick else (2000, 15)
    rows = [(name, _measure(name, req, batch, batches)) for name, req in _requests().items()]
    load = os.getloadavg()[0]
    print(f"SigV4, µs per request (median of {batches} batches of {batch}; load {load:.2f})\n")
    print("| request | botocore signs | verify, key cached | verify, key derived | parse |")
    print("| --- | --- | --- | --- | --- |")
    for name, t in rows:
        print(
            f"| {name} | {t['botocore']:.1f} | {t['warm']:.1f} | {t['cold']:.1f} "
            f"| {t['parse']:.1f} |"
        )


if __name__ == "__main__":
    main()
