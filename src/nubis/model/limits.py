"""Lambda's limits, in one place."""

from __future__ import annotations

MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10240
TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 900
EPHEMERAL_MIN_MB = 512
EPHEMERAL_MAX_MB = 10240

DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_S = 3
DEFAULT_EPHEMERAL_MB = 512

ZIPPED_MAX_BYTES = 50 * 1024 * 1024  # direct upload
UNZIPPED_MAX_BYTES = 250 * 1024 * 1024
ENVIRONMENT_MAX_BYTES = 4 * 1024

SYNC_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024  # request and response of RequestResponse
# A function's response may be 100 bytes more: Lambda's limit and message say 6291556
# (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html says "6 MB").
SYNC_RESPONSE_MAX_BYTES = SYNC_PAYLOAD_MAX_BYTES + 100
ASYNC_PAYLOAD_MAX_BYTES = 1024 * 1024  # Event invocations (256 KB before 2025)
LOG_TAIL_BYTES = 4 * 1024
FUNCTION_NAME_MAX = 64  # the name itself; an ARN may be longer (the model's 140)
LAYERS_MAX = 5  # per function
TAGS_MAX = 50  # per function

# Concurrency and account settings reported by GetAccountSettings.
ACCOUNT_CONCURRENCY = 1000
UNRESERVED_MIN = 100
CODE_STORAGE_LIMIT_BYTES = 75 * 1024 * 1024 * 1024
