"""Wire literals of the AWS REST-JSON protocol (Lambda's API). Never inline these elsewhere."""

from __future__ import annotations

# Response headers every REST-JSON answer may carry.
REQUEST_ID_HEADER = "x-amzn-RequestId"
ERROR_TYPE_HEADER = "x-amzn-errortype"
CONTENT_TYPE_HEADER = "Content-Type"

# Lambda answers JSON (also the raw Invoke payload goes out as application/json).
CONTENT_TYPE_JSON = "application/json"

# Invoke's output headers, as the service model names them (locationName); kept here so
# the server and tests can refer to them without spelling them again.
FUNCTION_ERROR_HEADER = "X-Amz-Function-Error"
LOG_RESULT_HEADER = "X-Amz-Log-Result"
EXECUTED_VERSION_HEADER = "X-Amz-Executed-Version"

# Status codes whose responses carry no body.
BODILESS_STATUSES = frozenset({204, 304})

# Messages of the errors the wire layer itself raises.
MSG_VALIDATION_ONE = "1 validation error detected: "
MSG_VALIDATION_MANY = "{count} validation errors detected: "
MSG_BAD_JSON = "Could not parse request body into json: {detail}"
# Past the parser's depth limit (Lambda's Jackson stops at 1000 levels; Python's json at
# the interpreter's recursion limit, about the same).
MSG_TOO_DEEP = MSG_BAD_JSON.format(detail="Document nesting depth exceeds the maximum allowed")
MSG_NO_ROUTE = "No operation matches {method} {path}"
MSG_WRONG_METHOD = "{path} does not support method {method}; it supports {allowed}"
MSG_UNKNOWN_OPERATION = "Unknown operation {operation}"
