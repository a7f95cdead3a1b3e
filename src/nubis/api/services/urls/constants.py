"""Wire literals of Lambda function URLs (payload format 2.0, CORS, streaming prelude).

Never inline these elsewhere. Where a value is AWS's observed behaviour rather than
documented, the comment says so (docs/http.md lists both kinds).
"""

from __future__ import annotations

# The request payload (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html).
PAYLOAD_VERSION = "2.0"
ROUTE_KEY = "$default"
STAGE = "$default"
ANONYMOUS_ACCOUNT = "anonymous"
AUTH_NONE = "NONE"
AUTH_IAM = "AWS_IAM"

# Request headers the event reads or Lambda's front end adds.
HEADER_COOKIE = "cookie"
HEADER_CONTENT_TYPE = "content-type"
HEADER_USER_AGENT = "user-agent"
HEADER_FORWARDED_FOR = "x-forwarded-for"
HEADER_FORWARDED_PROTO = "x-forwarded-proto"
HEADER_FORWARDED_PORT = "x-forwarded-port"

# Response side.
HEADER_SET_COOKIE = "Set-Cookie"
RESPONSE_CONTENT_TYPE = "Content-Type"
CONTENT_TYPE_JSON = "application/json"
# The body of every function error and malformed response, as AWS answers it (observed:
# localstack's AWS-validated test_lambda_url_invocation_exception; status 502).
BAD_GATEWAY_STATUS = 502
BAD_GATEWAY_BODY = b"Internal Server Error"
BAD_GATEWAY_CONTENT_TYPE = "text/plain; charset=utf-8"  # not recorded: inferred
# Headers the HTTP layer owns: a function's own values are dropped (inferred).
HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

# Media types whose request body reaches the function as text, not base64. AWS names
# text/* and application/json; the +json/+xml/xml/javascript entries are inferred.
TEXT_MEDIA_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript", "application/ld+json"}
)
TEXT_MEDIA_SUFFIXES = ("+json", "+xml")

# Lambda's synchronous payload limits: the event (6 MiB, Invoke's RequestEntityTooLarge
# message names 6291456) and the result (recorded: "Response payload size exceeded maximum
# allowed payload size (6291556 bytes)", 100 bytes more).
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
# A too large request: 413 in the {"Message": ...} envelope of the URL front end's own
# errors (its 403 is recorded as {"Message": ...}; this status and text are inferred).
TOO_LARGE_STATUS = 413
TOO_LARGE_MESSAGE = "Request must be smaller than 6291456 bytes for the InvokeFunction operation"

# Month abbreviations of requestContext.time, fixed (strftime's %b follows the locale).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# CORS (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors).
HEADER_ORIGIN = "origin"
HEADER_REQUEST_METHOD = "access-control-request-method"
HEADER_REQUEST_HEADERS = "access-control-request-headers"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
VARY = "Vary"
WILDCARD = "*"

# The HTTP-integration prelude of a streaming response (awslambda.HttpResponseStream).
HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
PRELUDE_DELIMITER = b"\x00" * 8
# A prelude longer than this is refused (inferred bound: AWS documents none).
MAX_PRELUDE_BYTES = 64 * 1024
STREAM_DEFAULT_CONTENT_TYPE = "application/octet-stream"
