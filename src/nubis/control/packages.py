"""Checks on what a user uploads: zip packages, handlers, environment variables."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from nubis.model import limits
from nubis.model.errors import InvalidParameterValueException, RequestEntityTooLargeException
from nubis.model.function import LayerRef
from nubis.store import package_zip

# file.function or pkg.module.function: dotted identifiers, the last one the function.
_PY_HANDLER = re.compile(r"^[A-Za-z0-9_\-/]+(?:\.[A-Za-z0-9_\-/]+)*\.[A-Za-z_][A-Za-z0-9_]*$")


# Lambda limits the request, whose zip is base64: 4/3 of the 50 MB direct-upload limit.
REQUEST_MAX_BYTES = -(-limits.ZIPPED_MAX_BYTES * 4 // 3)  # 69905067


def check_zip(data: bytes, operation: str = "CreateFunction") -> None:
    """Raise InvalidParameterValueException unless `data` is a zip within limits whose
    every entry is safe to extract (`nubis.store.package_zip`: no absolute or `..` names,
    devices, duplicates, file/directory clashes, links leading outside). The members'
    data (sizes, CRCs) is read in full when the blob store stores the package. Over the
    direct-upload limit it is Lambda's 413 RequestEntityTooLargeException, which names
    the operation."""
    if len(data) > limits.ZIPPED_MAX_BYTES:
        raise RequestEntityTooLargeException(
            f"Request must be smaller than {REQUEST_MAX_BYTES} bytes for the {operation} operation"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except package_zip.ZIP_ERRORS as exc:
        raise InvalidParameterValueException(package_zip.MSG_UNZIP) from exc
    with zf:
        check_unzipped_total(sum(i.file_size for i in zf.infolist()))
        package_zip.entries(zf)


def check_unzipped_total(unzipped: int) -> None:
    """The 250 MB limit on a function's code and all its layers together, unzipped:
    Lambda's "must be smaller than", so exactly 262,144,000 bytes is refused too."""
    if unzipped >= limits.UNZIPPED_MAX_BYTES:
        raise InvalidParameterValueException(
            f"Unzipped size must be smaller than {limits.UNZIPPED_MAX_BYTES} bytes"
        )


def unzipped_size(source: bytes | Path) -> int:
    """The sum of the file sizes of a zip (bytes or a path); 0 if it is not a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            return sum(i.file_size for i in zf.infolist())
    except package_zip.ZIP_ERRORS:
        return 0


def check_zip_with_layers(
    data: bytes, layers: Sequence[LayerRef], operation: str = "CreateFunction"
) -> None:
    """`check_zip`, then the unzipped limit counting the layers too."""
    if not data:
        return
    check_zip(data, operation)
    check_unzipped_total(unzipped_size(data) + sum(layer.unzipped_size for layer in layers))


def check_handler(runtime: str, handler: str) -> None:
    if runtime.startswith("python") and not _PY_HANDLER.match(handler):
        raise InvalidParameterValueException(
            f"Handler '{handler}' cannot be parsed: a Python handler is "
            "'<module>.<function>' (e.g. 'lambda_function.lambda_handler' or "
            "'pkg.module.handler')."
        )


def check_environment(variables: Mapping[str, str]) -> None:
    measured = json.dumps(dict(variables), separators=(",", ":"))
    if len(measured.encode()) > limits.ENVIRONMENT_MAX_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured[:200]}{'...' if len(measured) > 200 else ''}"
        )
    reserved = sorted(k for k in variables if k in RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the "
            f"environment variables you have provided contains reserved keys that are "
            f"currently not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}"
        )


# Lambda refuses these in a function's own Environment.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
