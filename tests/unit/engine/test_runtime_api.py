"""The Runtime API server driven by a raw HTTP client: the contract with custom runtimes."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import Any

from nubis.engine import runtime_api_constants as C
from nubis.engine.local import LocalEngine
from nubis.engine.runtime_api import Invocation, Reply, RuntimeApiServer
from nubis.model.function import InvokeRequest
from nubis.observe.memory import MemoryLogSink
from tests.unit.engine.conftest import MakeSpec
from tests.unit.engine.helpers import request, run_engine

Response = tuple[int, dict[str, str], bytes]


class Client:
    """A keep-alive HTTP/1.1 connection used from a worker thread."""

    def __init__(self, address: str) -> None:
        host, port = address.split(":")
        self._conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def _call(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        self._conn.request(method, path, body, headers)
        resp = self._conn.getresponse()
        return resp.status, dict(resp.headers), resp.read()

    async def call(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> Response:
        return await asyncio.to_thread(self._call, method, path, body, headers)

    def close(self) -> None:
        self._conn.close()


def error_type(response: Response) -> Any:
    return json.loads(response[2])["errorType"]


def test_runtime_api_states_and_misuse() -> None:
    async def main() -> None:
        api = RuntimeApiServer(max_response_bytes=1000)
        address = await api.start()
        a, b = Client(address), Client(address)
        try:
            await _exercise(api, a, b)
        finally:
            a.close()
            b.close()
            await api.close()
            await api.close()  # idempotent

    asyncio.run(main())


async def _exercise(api: RuntimeApiServer, a: Client, b: Client) -> None:
    loop = asyncio.get_running_loop()
    response = C.PATH_INVOCATION + "{}" + C.SUFFIX_RESPONSE
    error = C.PATH_INVOCATION + "{}" + C.SUFFIX_ERROR

    # Nothing to answer yet.
    r = await a.call("POST", response.format("nope"), b"{}")
    assert (r[0], error_type(r)) == (403, "InvalidStateTransition")
    r = await a.call("POST", C.PATH_NEXT)
    assert (r[0], error_type(r)) == (405, "MethodNotAllowed")
    r = await a.call("GET", response.format("x"))
    assert r[0] == 405
    r = await a.call("GET", "/2018-06-01/runtime/invocation/x/other")
    assert r[0] == 404
    r = await a.call("GET", "/2020-01-01/extension/register")
    assert r[0] == 404

    # The first /next ends init and parks until there is an invocation.
    parked = asyncio.create_task(a.call("GET", C.PATH_NEXT))
    ready = await asyncio.wait_for(api.ready, 5)
    assert ready is None
    r = await b.call("GET", C.PATH_NEXT)  # a second poller while one is parked
    assert (r[0], error_type(r)) == (403, "InvalidStateTransition")
    r = await b.call("POST", C.PATH_INIT_ERROR, b"{}")  # init is over
    assert (r[0], error_type(r)) == (403, "InvalidStateTransition")

    req = InvokeRequest(
        "req-1",
        b'{"k": 1}',
        "arn:aws:lambda:us-east-1:000000000000:function:f",
        client_context='{"custom": {}}',
        cognito_identity='{"cognitoIdentityId": "x"}',
        trace_id="Root=1",
    )
    reply: asyncio.Future[Reply] = loop.create_future()
    api.dispatch(Invocation(req, 1234, reply))
    status, headers, body = await parked
    assert status == 200
    assert body == b'{"k": 1}'
    assert headers[C.HDR_REQUEST_ID] == "req-1"
    assert headers[C.HDR_DEADLINE_MS] == "1234"
    assert headers[C.HDR_FUNCTION_ARN] == req.invoked_arn
    assert headers[C.HDR_TRACE_ID] == "Root=1"
    assert headers[C.HDR_CLIENT_CONTEXT] == '{"custom": {}}'
    assert headers[C.HDR_COGNITO_IDENTITY] == '{"cognitoIdentityId": "x"}'

    r = await a.call("GET", C.PATH_NEXT)  # asking for more before answering
    assert (r[0], error_type(r)) == (403, "InvalidStateTransition")
    r = await a.call("POST", response.format("req-0"), b"{}")  # a stale or unknown id
    assert (r[0], error_type(r)) == (400, "InvalidRequestID")
    assert not reply.done()
    r = await a.call("POST", response.format("req-1"), b'"ok"')
    assert r[0] == 202
    assert reply.result() == Reply(b'"ok"')
    r = await a.call("POST", response.format("req-1"), b'"again"')  # answered already
    assert (r[0], error_type(r)) == (403, "InvalidStateTransition")

    # The next invocation is queued before the runtime asks; then an error result.
    reply2: asyncio.Future[Reply] = loop.create_future()
    api.dispatch(Invocation(InvokeRequest("req-2", b"2", "arn"), 1, reply2))
    status, headers, _ = await a.call("GET", C.PATH_NEXT)
    assert (status, headers[C.HDR_REQUEST_ID]) == (200, "req-2")
    body = json.dumps({"errorMessage": "bad", "errorType": "MyError", "stackTrace": []}).encode()
    r = await a.call("POST", error.format("req-2"), body, **{C.HDR_FUNCTION_ERROR_TYPE: "MyError"})
    assert r[0] == 202
    assert reply2.result() == Reply(body, "MyError")

    # An error without a JSON body is built from the header.
    reply3: asyncio.Future[Reply] = loop.create_future()
    api.dispatch(Invocation(InvokeRequest("req-3", b"3", "arn"), 1, reply3))
    await a.call("GET", C.PATH_NEXT)
    r = await a.call("POST", error.format("req-3"), b"", **{C.HDR_FUNCTION_ERROR_TYPE: "Custom.X"})
    assert r[0] == 202
    assert reply3.result().error_type == "Custom.X"
    assert json.loads(reply3.result().payload)["errorType"] == "Custom.X"

    # Over the response limit: 413 to the runtime, Function.ResponseSizeTooLarge as result.
    reply4: asyncio.Future[Reply] = loop.create_future()
    api.dispatch(Invocation(InvokeRequest("req-4", b"4", "arn"), 1, reply4))
    await a.call("GET", C.PATH_NEXT)
    r = await a.call("POST", response.format("req-4"), b"x" * 1001)
    assert r[0] == 413
    assert reply4.result().error_type == "Function.ResponseSizeTooLarge"
    # The connection is still usable (keep-alive) and the runtime may go on.
    parked = asyncio.create_task(a.call("GET", C.PATH_NEXT))
    await asyncio.sleep(0.05)
    await api.close()
    r = await parked  # a parked poll is answered when the environment goes away
    assert r[0] == 500


def test_init_error_is_reported_once() -> None:
    async def main() -> None:
        api = RuntimeApiServer()
        client = Client(await api.start())
        try:
            body = b'{"errorMessage": "m", "errorType": "Runtime.ImportModuleError"}'
            r = await client.call(
                "POST", C.PATH_INIT_ERROR, body, **{C.HDR_FUNCTION_ERROR_TYPE: "Runtime.X"}
            )
            assert r[0] == 202
            assert api.ready.result() == Reply(body, "Runtime.X")
            r = await client.call("POST", C.PATH_INIT_ERROR, body)
            assert r[0] == 403
            r = await client.call("GET", C.PATH_NEXT)
            assert r[0] == 403
        finally:
            client.close()
            await api.close()

    asyncio.run(main())


def test_misuse_from_inside_a_function(make_spec: MakeSpec) -> None:
    """A function that talks to its own Runtime API, as a broken custom runtime would."""
    spec = make_spec(
        """
        import http.client, os
        def call(method, path, body=None):
            host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
            conn = http.client.HTTPConnection(host, int(port))
            conn.request(method, path, body)
            status = conn.getresponse().status
            conn.close()
            return status

        def handler(event, context):
            base = "/2018-06-01/runtime"
            return [
                call("POST", base + "/invocation/not-the-id/response", b"{}"),
                call("POST", base + "/init/error", b"{}"),
                call("GET", base + "/invocation/next"),
                call("DELETE", base + "/invocation/next"),
            ]
        """
    )

    async def body(engine: LocalEngine, sink: MemoryLogSink) -> None:
        result = await engine.invoke(spec, request(spec))
        assert json.loads(result.payload) == [400, 403, 403, 405]
        again = await engine.invoke(spec, request(spec))  # the environment is unharmed
        assert json.loads(again.payload) == [400, 403, 403, 405]

    run_engine(body)


def test_an_error_body_nested_past_the_json_limit_is_wrapped_not_raised() -> None:
    from nubis.engine.runtime_api import _error_reply

    body = b"[" * 200_000 + b"]" * 200_000
    reply = _error_reply(body, None)
    assert reply.error_type == "Runtime.Unknown"
    assert json.loads(reply.payload)["errorType"] == "Runtime.Unknown"
