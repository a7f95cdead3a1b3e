"""The queue service's rules that are pure functions: attribute defaults and limits,
message validation, and the MD5 digests exactly as SQS computes them."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Collection, Mapping, Sequence

from nubis.model.queue import FIFO_SUFFIX, MessageAttribute
from nubis.model.queue_errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidBatchEntryId,
    InvalidMessageContents,
    InvalidParameterValue,
    MissingParameter,
    TooManyEntriesInBatchRequest,
)

# Current SQS limits (the 1 MiB message size is SQS's since August 2025).
MESSAGE_MAX_BYTES = 1024 * 1024
MESSAGE_MIN_BYTES_SETTING = 1024
MAX_MESSAGE_ATTRIBUTES = 10
BATCH_MAX_ENTRIES = 10
LIST_MAX = 1000  # queues in one ListQueues answer
RECEIVE_MAX = 10
WAIT_MAX_S = 20
VISIBILITY_MAX_S = 43200
DELAY_MAX_S = 900
DEDUP_WINDOW_S = 300.0
PURGE_INTERVAL_S = 60.0
QUEUE_NAME_MAX = 80
DELETED_RECENTLY_S = 60.0  # a deleted queue's name cannot be created again before this
KMS_REUSE_DEFAULT = "300"
TAGS_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256

MSG_NO_DEDUP = (
    "The queue should either have ContentBasedDeduplication enabled or "
    "MessageDeduplicationId provided explicitly"
)
MSG_ONE_SSE = (
    "You can use one type of server-side encryption (SSE) at one time. You can either "
    "enable KMS SSE or SQS SSE."
)
# What a receive can ask for, in the order SQS answers them.
SYSTEM_ATTRIBUTE_NAMES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)

DEFAULTS: Mapping[str, str] = {
    "VisibilityTimeout": "30",
    "MaximumMessageSize": str(MESSAGE_MAX_BYTES),
    "MessageRetentionPeriod": "345600",
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS: Mapping[str, str] = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}

# name -> (min, max) for integer attributes
_RANGES: Mapping[str, tuple[int, int]] = {
    "VisibilityTimeout": (0, VISIBILITY_MAX_S),
    "MaximumMessageSize": (MESSAGE_MIN_BYTES_SETTING, MESSAGE_MAX_BYTES),
    "MessageRetentionPeriod": (60, 1209600),
    "DelaySeconds": (0, DELAY_MAX_S),
    "ReceiveMessageWaitTimeSeconds": (0, WAIT_MAX_S),
    "KmsDataKeyReusePeriodSeconds": (60, 86400),
}
SETTABLE = frozenset(
    {
        *_RANGES,
        "Policy",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "KmsMasterKeyId",
        "SqsManagedSseEnabled",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    }
)
COMPUTED = frozenset(
    {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "QueueArn",
    }
)
_FIFO_ONLY = frozenset({"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"})
_ENUMS: Mapping[str, frozenset[str]] = {
    "DeduplicationScope": frozenset({"queue", "messageGroup"}),
    "FifoThroughputLimit": frozenset({"perQueue", "perMessageGroupId"}),
    "SqsManagedSseEnabled": frozenset({"true", "false"}),
    "ContentBasedDeduplication": frozenset({"true", "false"}),
    "FifoQueue": frozenset({"true", "false"}),
}
_QUEUE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,80}$")
_ATTRIBUTE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,256}$")
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\.[^\s]{1,})?$")
_BATCH_ID = re.compile(r"^[a-zA-Z0-9_-]{1,80}$")
_GROUP_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
# The characters SQS accepts in a body (XML 1.0's Char production).
_INVALID_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_queue_name(name: str, fifo: bool) -> None:
    base = name[: -len(FIFO_SUFFIX)] if fifo and name.endswith(FIFO_SUFFIX) else name
    if fifo and not name.endswith(FIFO_SUFFIX):
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length."
        )
    if not fifo and name.endswith(FIFO_SUFFIX):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )
    if len(name) > QUEUE_NAME_MAX or not _QUEUE_NAME.match(base):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def check_attributes(attributes: Mapping[str, str], fifo: bool, creating: bool) -> None:
    """Settable queue attributes, each value within SQS's bounds."""
    for name, value in attributes.items():
        if name not in SETTABLE:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if name in _FIFO_ONLY | {"FifoQueue"} and not fifo:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if name == "FifoQueue" and not creating and value != "true":
            raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        bounds = _RANGES.get(name)
        if bounds is not None:
            try:
                number = int(value)
            except ValueError:
                number = bounds[0] - 1
            if not bounds[0] <= number <= bounds[1]:
                raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        allowed = _ENUMS.get(name)
        if allowed is not None and value not in allowed:
            raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
        if name == "RedrivePolicy" and value:
            parse_redrive_policy(value)
        if name in ("Policy", "RedriveAllowPolicy") and value:
            try:
                json.loads(value)
            except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
                raise InvalidAttributeValue(f"Invalid value for the parameter {name}.") from exc
    if attributes.get("KmsMasterKeyId") and attributes.get("SqsManagedSseEnabled") == "true":
        raise InvalidAttributeName(MSG_ONE_SSE)


def with_encryption(current: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """`given` (checked) with what it implies for the queue's encryption: one kind at a
    time. A KMS key turns SSE-SQS off (and brings the default data key reuse period);
    turning SSE-SQS on, or an empty key, drops the key (stored as empty: not reported)."""
    out = dict(given)
    key = given.get("KmsMasterKeyId")
    if key:
        out["SqsManagedSseEnabled"] = "false"
        if not current.get("KmsMasterKeyId") and "KmsDataKeyReusePeriodSeconds" not in given:
            out["KmsDataKeyReusePeriodSeconds"] = KMS_REUSE_DEFAULT
    elif (given.get("SqsManagedSseEnabled") == "true" or key == "") and current.get(
        "KmsMasterKeyId"
    ):
        out["KmsMasterKeyId"] = ""
        out["KmsDataKeyReusePeriodSeconds"] = ""
    return out


def reported_attributes(stored: Mapping[str, str]) -> dict[str, str]:
    """A queue's stored attributes as GetQueueAttributes reports them: the KMS ones only
    while a key is set."""
    out = dict(stored)
    if not out.get("KmsMasterKeyId"):
        out.pop("KmsMasterKeyId", None)
        out.pop("KmsDataKeyReusePeriodSeconds", None)
    return out


def check_tags(tags: Mapping[str, str], total: int, queue: str) -> None:
    """Tags to add to `queue` (`total`: how many it would have after): SQS's limits."""
    for key, value in tags.items():
        check_tag_key(key)
        if len(value) > TAG_VALUE_MAX:
            raise InvalidParameterValue(
                f"Tag values must be between 0 and {TAG_VALUE_MAX} characters in length."
            )
    if total > TAGS_MAX:
        raise InvalidParameterValue(f"Too many tags added for queue {queue}.")


def check_tag_key(key: str) -> None:
    if not 1 <= len(key) <= TAG_KEY_MAX:
        raise InvalidParameterValue(
            f"Tag keys must be between 1 and {TAG_KEY_MAX} characters in length."
        )
    if key.lower().startswith("aws:"):
        raise InvalidParameterValue(f"Tag key '{key}' is invalid: the prefix aws: is reserved.")


def parse_redrive_policy(text: str) -> tuple[str, int]:
    """(deadLetterTargetArn, maxReceiveCount) of a RedrivePolicy attribute value."""
    bad = InvalidAttributeValue(
        f"Value {text} for parameter RedrivePolicy is invalid. Reason: Redrive policy is "
        "not a valid JSON map or contains invalid values."
    )
    try:
        policy = json.loads(text)
        arn = policy["deadLetterTargetArn"]
        count = int(policy["maxReceiveCount"])
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise bad from exc
    if not isinstance(arn, str) or not arn.startswith("arn:") or not 1 <= count <= 1000:
        raise bad
    return arn, count


def check_body(body: str, max_bytes: int, attributes_size: int) -> None:
    if not body:
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if _INVALID_CHARS.search(body):
        raise InvalidMessageContents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
            "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    size = len(body.encode()) + attributes_size
    if size > max_bytes:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than "
            f"{max_bytes} bytes."
        )


def check_message_attributes(attrs: Mapping[str, MessageAttribute]) -> None:
    """A message's user attributes: SQS's rules for names, types and values."""
    if len(attrs) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attrs)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}]."
        )
    for name, value in attrs.items():
        if (
            not _ATTRIBUTE_NAME.match(name)
            or name.lower().startswith(("aws.", "amazon."))
            or name.startswith(".")
            or name.endswith(".")
            or ".." in name
        ):
            raise InvalidParameterValue(
                f"Message (user) attribute '{name}' is invalid: the name is not valid."
            )
        _check_attribute_value(name, value)


def _check_attribute_value(name: str, value: MessageAttribute) -> None:
    data_type = value.data_type
    if not _DATA_TYPE.match(data_type):
        raise InvalidParameterValue(
            f"The type of message (user) attribute '{name}' is invalid. You must use only "
            "the following supported type prefixes: Binary, Number, String."
        )
    if data_type.startswith("Binary"):
        if value.binary_value is None:
            raise InvalidParameterValue(
                f"Message (user) attribute '{name}' must contain a non-empty value of "
                "type 'Binary'."
            )
        return
    string_value = value.string_value
    if not string_value:
        raise InvalidParameterValue(
            f"Message (user) attribute '{name}' must contain a non-empty message "
            f"attribute value for message attribute type '{data_type.split('.')[0]}'."
        )
    if data_type.startswith("Number"):
        try:
            float(string_value)
        except ValueError as exc:
            raise InvalidParameterValue(
                f"Could not cast message attribute '{name}' value to number."
            ) from exc
    if _INVALID_CHARS.search(string_value):
        raise InvalidMessageContents(
            f"Message (user) attribute '{name}' contains invalid characters."
        )


def check_system_attributes(attrs: Mapping[str, MessageAttribute]) -> None:
    """MessageSystemAttributes: only AWSTraceHeader, a String."""
    for key, value in attrs.items():
        if key != "AWSTraceHeader":
            raise InvalidParameterValue(f"Message system attribute name '{key}' is invalid.")
        if value.data_type != "String" or not value.string_value:
            raise InvalidParameterValue(
                "Message system attribute 'AWSTraceHeader' must be of type String."
            )


def select_message_attributes(
    attrs: Mapping[str, MessageAttribute], wanted: Sequence[str]
) -> dict[str, MessageAttribute]:
    """The user attributes a receive asked for: `All` or `.*` for every one, `foo.*` for
    those whose names start with `foo.`, otherwise by exact (case-sensitive) name."""
    if not wanted or not attrs:
        return {}
    if any(w in ("All", ".*") for w in wanted):
        return dict(attrs)
    prefixes = tuple(w[:-1] for w in wanted if w.endswith(".*"))
    exact = set(wanted)
    return {k: v for k, v in attrs.items() if k in exact or (prefixes and k.startswith(prefixes))}


def select_system_attributes(
    values: Mapping[str, str | None], wanted: Collection[str]
) -> dict[str, str]:
    """The system attributes a receive asked for (`All` for every one), in SQS's order;
    those without a value (SequenceNumber of a standard queue, ...) are left out."""
    every = "All" in wanted
    return {
        k: v
        for k in SYSTEM_ATTRIBUTE_NAMES
        if (every or k in wanted) and (v := values.get(k)) is not None
    }


def attributes_size(attrs: Mapping[str, MessageAttribute]) -> int:
    """Bytes of attributes that count against the message size: name, type and value."""
    total = 0
    for name, a in attrs.items():
        total += len(name.encode()) + len(a.data_type.encode())
        total += len(a.string_value.encode()) if a.string_value is not None else 0
        total += len(a.binary_value) if a.binary_value is not None else 0
    return total


def md5_body(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def md5_attributes(attrs: Mapping[str, MessageAttribute]) -> str | None:
    """SQS's digest: for each attribute in name order, the length-prefixed (4 bytes, big
    endian) name, data type, then a transport byte (1 string, 2 binary) and the
    length-prefixed value."""
    if not attrs:
        return None
    buf = bytearray()

    def put(data: bytes) -> None:
        buf.extend(struct.pack(">I", len(data)))
        buf.extend(data)

    for name in sorted(attrs):
        a = attrs[name]
        put(name.encode())
        put(a.data_type.encode())
        if a.binary_value is not None:
            buf.append(2)
            put(a.binary_value)
        else:
            buf.append(1)
            put((a.string_value or "").encode())
    return hashlib.md5(bytes(buf), usedforsecurity=False).hexdigest()


def check_batch_ids(ids: list[str], entry: str) -> None:
    """Batch entry ids: 1 to 10 of them, distinct, well formed. `entry` names the entry
    shape in the message (SendMessageBatchRequestEntry, ...)."""
    if not ids:
        raise EmptyBatchRequest(f"There should be at least one {entry} in the request.")
    if len(ids) > BATCH_MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {BATCH_MAX_ENTRIES}. You have sent "
            f"{len(ids)}."
        )
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise BatchEntryIdsNotDistinct(f"Id {dup} repeated.")
    for i in ids:
        if not _BATCH_ID.match(i):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long."
            )


def check_batch_size(sizes: Sequence[int]) -> None:
    """A send batch's messages together (bodies and user attributes: names, types and
    values) are limited like one message."""
    total = sum(sizes)
    if total > MESSAGE_MAX_BYTES:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {MESSAGE_MAX_BYTES} bytes. You have sent "
            f"{total} bytes."
        )


def check_fifo_batch(
    group_ids: Sequence[str | None], dedup_ids: Sequence[str | None], content_based: bool
) -> None:
    """A FIFO batch with an entry missing its group id, or its deduplication id without
    content-based deduplication, is refused whole (no entry is sent)."""
    if any(not g for g in group_ids):
        raise MissingParameter("The request must contain the parameter MessageGroupId.")
    if not content_based and any(d is None for d in dedup_ids):
        raise InvalidParameterValue(MSG_NO_DEDUP)


def page_of_names(
    names: list[str], after: str | None, limit: int | None
) -> tuple[list[str], str | None]:
    """ListQueues paging: names after the token, at most `limit` (1 to 1000; 1000 when not
    given, with no token then); the token of the next page, if any."""
    if after:
        names = [n for n in names if n > after]
    if limit is None:
        return names[:LIST_MAX], None
    if not 1 <= limit <= LIST_MAX:
        raise InvalidParameterValue(
            f"Value {limit} for parameter MaxResults is invalid. Reason: MaxResults must be "
            f"an integer between 1 and {LIST_MAX}."
        )
    if len(names) > limit:
        names = names[:limit]
        return names, names[-1]
    return names, None


def check_group_id(value: str, what: str) -> None:
    if not _GROUP_ID.match(value):
        raise InvalidParameterValue(
            f"Value {value} for parameter {what} is invalid. Reason: {what} can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length."
        )
