"""The Python runtime of Nubis: speaks the Lambda Runtime API, calls `handler(event, context)`.

Standard library only and no Nubis imports: this file runs inside the environment, loaded
by `zygote.py` (or run directly: `python -I bootstrap.py`). It behaves like Lambda's own
Python runtime (awslambdaric): the same error types and messages, the same context object,
the same `[ERROR] ...` log lines.

Per invocation it does one GET (the long poll for the next event) and one POST (the
result) on one persistent HTTP/1.1 connection; nothing else on the hot path.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback
from typing import Any

# --- Runtime API literals: the runtime-side copy of nubis/engine/runtime_api_constants.py
API_VERSION = "2018-06-01"
PATH_NEXT = f"/{API_VERSION}/runtime/invocation/next"
PATH_INVOCATION = f"/{API_VERSION}/runtime/invocation/"
PATH_INIT_ERROR = f"/{API_VERSION}/runtime/init/error"
SUFFIX_RESPONSE = "/response"
SUFFIX_ERROR = "/error"
HDR_REQUEST_ID = "Lambda-Runtime-Aws-Request-Id"
HDR_DEADLINE_MS = "Lambda-Runtime-Deadline-Ms"
HDR_FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn"
HDR_TRACE_ID = "Lambda-Runtime-Trace-Id"
HDR_CLIENT_CONTEXT = "Lambda-Runtime-Client-Context"
HDR_COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity"
HDR_FUNCTION_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
ENV_RUNTIME_API = "AWS_LAMBDA_RUNTIME_API"
ENV_HANDLER = "_HANDLER"
ENV_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
ENV_FUNCTION_VERSION = "AWS_LAMBDA_FUNCTION_VERSION"
ENV_FUNCTION_MEMORY_SIZE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
ENV_LOG_GROUP_NAME = "AWS_LAMBDA_LOG_GROUP_NAME"
ENV_LOG_STREAM_NAME = "AWS_LAMBDA_LOG_STREAM_NAME"
ENV_TRACE_ID = "_X_AMZN_TRACE_ID"

# --- Error types of awslambdaric's FaultException
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

_JSON = "application/json"
_ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json"


class FaultException(Exception):
    """An error of the runtime itself (not raised by the function), with Lambda's type."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# --- The context object, attribute for attribute as awslambdaric's lambda_context.py


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, data: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data: dict[str, Any]) -> None:
        client = data.get("client")
        self.client = Client(client) if client is not None else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str | None,
        client_context: dict[str, Any] | None,
        cognito_identity: dict[str, Any] | None,
    ) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.log_group_name = env.get(ENV_LOG_GROUP_NAME)
        self.log_stream_name = env.get(ENV_LOG_STREAM_NAME)
        self.function_name = env.get(ENV_FUNCTION_NAME)
        # A string, as in awslambdaric (it comes straight from the environment).
        self.memory_limit_in_mb = env.get(ENV_FUNCTION_MEMORY_SIZE)
        self.function_version = env.get(ENV_FUNCTION_VERSION)
        self.invoked_function_arn = invoked_function_arn
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(cognito_identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg: str) -> None:
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


# --- Handler loading


def load_handler(handler: str) -> Any:
    """Import `module.function`; raise FaultException with Lambda's type and message."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise FaultException(
            BUILT_IN_MODULE_CONFLICT, f"Cannot use built-in module {modname} as a handler module"
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException(
            USER_CODE_SYNTAX_ERROR, f"Syntax error in module '{modname}': {e}", trace
        ) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'"
        ) from None


# --- Errors as Lambda formats them


def make_error(
    message: str, error_type: str, trace: list[str] | None, request_id: str = ""
) -> dict[str, Any]:
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": trace or [],
    }


def error_from_exception(exc: BaseException, request_id: str = "") -> dict[str, Any]:
    frames: list[traceback.FrameSummary] = list(traceback.extract_tb(exc.__traceback__))
    # Drop the runtime's own frames, as awslambdaric does: the trace starts in user code.
    for i, frame in enumerate(frames):
        if not frame.filename.endswith("bootstrap.py"):
            frames = frames[i:]
            break
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def log_error(error: dict[str, Any]) -> None:
    """Print `[ERROR] Type: message` and the traceback to the log, like awslambdaric."""
    line = "[ERROR]"
    if error["errorType"]:
        line += " " + error["errorType"]
    if error["errorMessage"]:
        line += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [line, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        lines.extend(element.rstrip("\n").splitlines())
    sys.stdout.write("\n".join(lines) + "\n")


def _default(obj: Any) -> Any:
    if isinstance(obj, decimal.Decimal):
        return float(obj) if not obj.is_nan() else float("nan")
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def marshal(result: Any) -> tuple[bytes, str]:
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return json.dumps(result, default=_default).encode(), _JSON
    except Exception as e:
        raise FaultException(MARSHAL_ERROR, f"Unable to marshal response: {e}") from None


# --- Logging module setup, as in Lambda: a root handler with the request id


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestIdFilter.request_id
        return True


class _StdoutHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record))


def setup_logging() -> None:
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


# --- The Runtime API client


class RuntimeClient:
    """One keep-alive HTTP/1.1 connection to the Runtime API; reconnects once if it breaks.

    A plain socket rather than http.client: http.client parses every response's headers
    with the email package, which costs more than the rest of a warm invocation. The
    Runtime API always answers with Content-Length, which is all this client reads.
    """

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._address = (host, int(port))
        self._host_header = address
        self._sock: socket.socket | None = None
        self._buf = b""

    def _connect(self) -> socket.socket:
        host, port = self._address
        try:
            # An address literal (always, from Nubis): connect directly. The first
            # getaddrinfo() of a process (create_connection's) costs several ms, which
            # every cold start would pay.
            socket.inet_aton(host)
        except OSError:
            sock = socket.create_connection(self._address)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.connect((host, port))
            except BaseException:
                sock.close()
                raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buf = b""
        return sock

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _recv(self, sock: socket.socket) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("the Runtime API closed the connection")
        self._buf += chunk

    def _read_response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._recv(sock)
        head = self._buf[:end].decode("latin-1").split("\r\n")
        self._buf = self._buf[end + 4 :]
        status = int(head[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self._buf) < length:
            self._recv(sock)
        body, self._buf = self._buf[:length], self._buf[length:]
        return status, headers, body

    def _encode(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host_header}"]
        if headers:
            lines.extend(f"{k}: {v}" for k, v in headers.items())
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _exchange(self, request: bytes, responses: int) -> list[tuple[int, dict[str, str], bytes]]:
        """Send one or more (pipelined) requests; read as many responses, in order.
        Reconnects once if the connection breaks."""
        for attempt in (0, 1):
            try:
                sock = self._sock or self._connect()
                sock.sendall(request)
                out = [self._read_response(sock) for _ in range(responses)]
            except OSError:
                self._close()
                if attempt:
                    raise
                continue
            if out[-1][1].get("connection", "").lower() == "close":
                self._close()
            return out
        raise AssertionError("unreachable")

    def next(self) -> tuple[bytes, dict[str, str]]:
        """The next event and its headers (names lower-cased)."""
        return self._event(self._exchange(self._encode("GET", PATH_NEXT), 1)[0])

    def _event(self, response: tuple[int, dict[str, str], bytes]) -> tuple[bytes, dict[str, str]]:
        status, headers, body = response
        if status != 200:
            raise SystemExit(f"runtime API /next answered {status}: {body!r}")
        return body, headers

    def post_then_next(
        self, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[bytes, dict[str, str]]:
        """Post a result and ask for the next event in one write (HTTP/1.1 pipelining):
        the engine reads both at once and answers them in order, which saves a round
        trip per invocation. The result's status is not needed: whatever it was, the
        runtime goes on to the next event, as it would after a separate POST."""
        request = self._encode("POST", path, body, headers) + self._encode("GET", PATH_NEXT)
        return self._event(self._exchange(request, 2)[1])

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        return self._exchange(self._encode("POST", path, body, headers), 1)[0][0]

    def post_init_error(self, error: dict[str, Any]) -> None:
        headers = {"Content-Type": _ERROR_CONTENT_TYPE, HDR_FUNCTION_ERROR_TYPE: error["errorType"]}
        self.post(PATH_INIT_ERROR, json.dumps(error).encode(), headers)


def _flush() -> None:
    # Ordering rule: everything the function printed reaches the log pipe before the
    # result is posted, because the engine drains the pipe when the result arrives and
    # attributes what it read to this invocation.
    sys.stdout.flush()
    sys.stderr.flush()


def handle(handler: Any, body: bytes, headers: dict[str, str]) -> tuple[str, bytes, dict[str, str]]:
    """Run one invocation; returns the path, body and headers of the result to post."""
    request_id = headers.get(HDR_REQUEST_ID.lower(), "")
    _RequestIdFilter.request_id = request_id
    trace_id = headers.get(HDR_TRACE_ID.lower())
    if trace_id:
        os.environ[ENV_TRACE_ID] = trace_id
    else:
        os.environ.pop(ENV_TRACE_ID, None)
    error = None
    try:
        client_context = headers.get(HDR_CLIENT_CONTEXT.lower())
        cognito = headers.get(HDR_COGNITO_IDENTITY.lower())
        try:
            context = LambdaContext(
                request_id,
                int(headers.get(HDR_DEADLINE_MS.lower(), "0")),
                headers.get(HDR_FUNCTION_ARN.lower()),
                json.loads(client_context) if client_context else None,
                json.loads(cognito) if cognito else None,
            )
        except ValueError as e:
            raise FaultException(CONTEXT_UNMARSHAL_ERROR, f"Unable to parse context: {e}") from None
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            raise FaultException(UNMARSHAL_ERROR, f"Unable to unmarshal input: {e}") from None
        payload, content_type = marshal(handler(event, context))
    except FaultException as e:
        error = make_error(e.message, e.error_type, e.trace, request_id)
    except Exception as e:
        error = error_from_exception(e, request_id)
    if error is not None:
        log_error(error)
        _flush()
        error_headers = {
            "Content-Type": _ERROR_CONTENT_TYPE,
            HDR_FUNCTION_ERROR_TYPE: error["errorType"],
        }
        path = PATH_INVOCATION + request_id + SUFFIX_ERROR
        return path, json.dumps(error).encode(), error_headers
    _flush()
    return PATH_INVOCATION + request_id + SUFFIX_RESPONSE, payload, {"Content-Type": content_type}


# --- SnapStart runtime hooks: Lambda's Python runtimes include the `snapshot_restore_py`
# library (register_before_snapshot / register_after_restore). A function that bundles
# its own copy gets that one; otherwise this built-in one is found (last on meta_path).

_HOOKS_MODULE = "snapshot_restore_py"


class _HooksFinder:
    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> Any:
        if name != _HOOKS_MODULE:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(name, cls)  # type: ignore[arg-type]

    @staticmethod
    def create_module(spec: Any) -> None:
        return None

    @staticmethod
    def exec_module(module: Any) -> None:
        before: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        after: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []

        def register_before_snapshot(func: Any, *args: Any, **kwargs: Any) -> Any:
            before.append((func, args, kwargs))
            return func

        def register_after_restore(func: Any, *args: Any, **kwargs: Any) -> Any:
            after.append((func, args, kwargs))
            return func

        module.register_before_snapshot = register_before_snapshot
        module.register_after_restore = register_after_restore
        module.get_before_snapshot = lambda: before
        module.get_after_restore = lambda: after


sys.meta_path.append(_HooksFinder)


def run_hooks(after_restore: bool) -> None:
    """Before a snapshot: in reverse order of registration; after a restore: in order."""
    hooks = sys.modules.get(_HOOKS_MODULE)
    if hooks is None:
        return  # the function never imported the library: it registered nothing
    if after_restore:
        for func, args, kwargs in list(hooks.get_after_restore()):
            func(*args, **kwargs)
    else:
        pending = list(hooks.get_before_snapshot())
        while pending:
            func, args, kwargs = pending.pop()
            func(*args, **kwargs)


def _init(client: RuntimeClient, step: Any) -> bool:
    """Run one init step; on failure report it as Lambda does and return False."""
    error: dict[str, Any] | None = None
    try:
        step()
    except FaultException as e:
        error = make_error(e.message, e.error_type, e.trace)
    except Exception as e:  # the module (or a hook) raised
        error = error_from_exception(e)
    if error is None:
        return True
    log_error(error)
    _flush()
    client.post_init_error(error)
    return False


def main(snapshot: Any = None) -> int:
    """Init, then serve invocations until the engine stops the environment.

    `snapshot` (SnapStart, given by the zygote): called after init and the before-snapshot
    hooks; it returns in each restored copy of this process, with its variables updated."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    client = RuntimeClient(os.environ[ENV_RUNTIME_API])
    setup_logging()
    loaded: list[Any] = []
    if not _init(client, lambda: loaded.append(load_handler(os.environ.get(ENV_HANDLER, "")))):
        return 1
    handler = loaded[0]
    if snapshot is not None:
        if not _init(client, lambda: run_hooks(after_restore=False)):
            return 1
        _flush()
        snapshot()
        client = RuntimeClient(os.environ[ENV_RUNTIME_API])  # this copy's own
        if not _init(client, lambda: run_hooks(after_restore=True)):
            return 1
    body, headers = client.next()
    while True:
        body, headers = client.post_then_next(*handle(handler, body, headers))


if __name__ == "__main__":
    sys.exit(main())
