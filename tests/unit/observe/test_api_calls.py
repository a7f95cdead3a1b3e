"""The gateway records one ApiCall per request: the service it resolved, the operation,
the status answered and how long it took; for an unserved service and an unknown
operation too."""

from __future__ import annotations

import asyncio

from nubis.observe.memory import MemoryRecorder
from nubis.observe.records import ApiCall
from tests.unit.api.test_gateway import gateway, request

SIGNED_STS = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, S=0"


def test_every_request_is_one_api_call() -> None:
    recorder = MemoryRecorder()
    gw = gateway(recorder=recorder)

    async def main() -> None:
        await gw.handle(request("/x/Echo", b'{"Name": "a"}'))
        await gw.handle(request("/x/Missing", **{"x-amz-target": "Q.Missing"}))
        await gw.handle(request("/x/Crash"))
        await gw.handle(request("/x/Nope"))
        await gw.handle(request("/", b"Action=GetCallerIdentity", authorization=SIGNED_STS))

    asyncio.run(main())
    calls = recorder.of(ApiCall)
    assert [(c.service, c.operation, c.status) for c in calls] == [
        ("lambda", "Echo", 200),
        ("sqs", "Missing", 400),  # the service's error mapping: a ValidationException
        ("lambda", "Crash", 500),
        ("lambda", "Nope", 404),  # UnknownOperationException
        ("sts", "?", 400),
    ]
    assert all(c.duration_ms >= 0 for c in calls)
