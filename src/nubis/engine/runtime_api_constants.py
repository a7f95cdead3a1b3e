"""Wire literals of the Lambda Runtime API (version 2018-06-01), engine side.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html. The runtime side
(`nubis/runtimes/python/bootstrap.py`) cannot import Nubis and keeps its own copy of the
literals it needs; `tests/compat/runtimes/test_constants.py` checks that the two agree.
"""

from __future__ import annotations

API_VERSION = "2018-06-01"
PREFIX = f"/{API_VERSION}/runtime"
PATH_NEXT = f"{PREFIX}/invocation/next"
PATH_INVOCATION = f"{PREFIX}/invocation/"  # + {request id}/response | {request id}/error
PATH_INIT_ERROR = f"{PREFIX}/init/error"
SUFFIX_RESPONSE = "/response"
SUFFIX_ERROR = "/error"

# Headers of GET .../invocation/next.
HDR_REQUEST_ID = "Lambda-Runtime-Aws-Request-Id"
HDR_DEADLINE_MS = "Lambda-Runtime-Deadline-Ms"
HDR_FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn"
HDR_TRACE_ID = "Lambda-Runtime-Trace-Id"
HDR_CLIENT_CONTEXT = "Lambda-Runtime-Client-Context"
HDR_COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity"
# Header of POST .../error and .../init/error.
HDR_FUNCTION_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"

# Error types the Runtime API answers misuse with (the body is {errorMessage, errorType}).
API_ERR_INVALID_REQUEST_ID = "InvalidRequestID"  # 400: unknown or stale request id
API_ERR_INVALID_STATE = "InvalidStateTransition"  # 403: call not allowed in this state
API_ERR_TOO_LARGE = "RequestEntityTooLarge"  # 413: response over the payload limit
API_ERR_NOT_FOUND = "NotFound"  # 404: no such path
API_ERR_METHOD = "MethodNotAllowed"  # 405: known path, wrong method
API_ERR_SHUTDOWN = "Runtime.ExitError"  # 500 on /next: the environment is going away

# Environment variables Lambda sets in every environment.
ENV_RUNTIME_API = "AWS_LAMBDA_RUNTIME_API"
ENV_HANDLER = "_HANDLER"
ENV_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
ENV_FUNCTION_VERSION = "AWS_LAMBDA_FUNCTION_VERSION"
ENV_FUNCTION_MEMORY_SIZE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
ENV_LOG_GROUP_NAME = "AWS_LAMBDA_LOG_GROUP_NAME"
ENV_LOG_STREAM_NAME = "AWS_LAMBDA_LOG_STREAM_NAME"
ENV_REGION = "AWS_REGION"
ENV_DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENV_EXECUTION_ENV = "AWS_EXECUTION_ENV"
ENV_INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"
ENV_TASK_ROOT = "LAMBDA_TASK_ROOT"
ENV_RUNTIME_DIR = "LAMBDA_RUNTIME_DIR"
ENV_TZ = "TZ"
ENV_LANG = "LANG"
ENV_PATH = "PATH"
ENV_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
ENV_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
ENV_SESSION_TOKEN = "AWS_SESSION_TOKEN"
ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_PYTHONPATH = "PYTHONPATH"
ENV_NODE_PATH = "NODE_PATH"

# Values of the reserved variables that do not depend on the function.
EXECUTION_ENV_PREFIX = "AWS_Lambda_"  # + runtime, e.g. AWS_Lambda_python3.11
INITIALIZATION_ON_DEMAND = "on-demand"
INITIALIZATION_PROVISIONED = "provisioned-concurrency"
INITIALIZATION_SNAP_START = "snap-start"
TZ_VALUE = ":UTC"
LANG_VALUE = "en_US.UTF-8"
PATH_VALUE = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
# Nubis does not mint credentials yet; SDKs need some to sign requests to the Nubis API.
PLACEHOLDER_ACCESS_KEY_ID = "nubis"
PLACEHOLDER_SECRET_ACCESS_KEY = "nubis"
PLACEHOLDER_SESSION_TOKEN = "nubis"

# Error types of invocation results produced by the platform (not by the runtime).
ERR_TIMEOUT = "Sandbox.Timedout"
ERR_EXIT = "Runtime.ExitError"
ERR_RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
ERR_UNKNOWN = "Runtime.Unknown"

FUNCTION_ERROR_UNHANDLED = "Unhandled"  # InvokeResult.function_error / X-Amz-Function-Error
