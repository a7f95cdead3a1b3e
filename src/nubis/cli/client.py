"""The people-facing client commands (`deploy`, `invoke`, `ls`, `logs`, `rm`), speaking
the Lambda API through boto3 like any other client."""

from __future__ import annotations

import argparse
import base64
import configparser
import io
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

# The placeholder keys of an open-mode server, which checks none.
OPEN_KEY = "nubis"
CREDENTIALS_FILE = "credentials"  # in the data dir, written by `nubis serve --auth iam`


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def credentials(data_dir: str | None) -> dict[str, str] | None:
    """The keys the client signs with (docs/auth.md, "The nubis CLI"): None when AWS
    credentials are given in the environment (`AWS_ACCESS_KEY_ID` or `AWS_PROFILE` set,
    or `AWS_SHARED_CREDENTIALS_FILE` naming a file: botocore finds them); else the
    `[default]` of `<data dir>/credentials` (`--data-dir`/`NUBIS_DATA_DIR`, else
    `./data`) when that file exists; else placeholder keys, which only an open-mode
    server accepts."""
    environ = os.environ
    shared = environ.get("AWS_SHARED_CREDENTIALS_FILE")
    if environ.get("AWS_ACCESS_KEY_ID") or environ.get("AWS_PROFILE"):
        return None
    if shared and Path(shared).is_file():
        return None
    path = Path(data_dir or "data") / CREDENTIALS_FILE
    if path.is_file():
        parser = configparser.ConfigParser()
        parser.read(path)
        section = parser["default"] if parser.has_section("default") else {}
        key, secret = section.get("aws_access_key_id"), section.get("aws_secret_access_key")
        if key and secret:
            return {"aws_access_key_id": key, "aws_secret_access_key": secret}
    return {"aws_access_key_id": OPEN_KEY, "aws_secret_access_key": OPEN_KEY}


def lambda_client(endpoint: str, data_dir: str | None = None) -> Any:
    import boto3  # lazy: only the client commands need it, and it is slow to import

    keys = credentials(data_dir) or {}
    return boto3.client("lambda", endpoint_url=endpoint, region_name=region(), **keys)


def signed_get(url: str, data_dir: str | None) -> urllib.request.Request:
    """A GET of Nubis's own endpoints, signed (scope `nubis`) as an iam-mode server
    wants; an open-mode server ignores the signature."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    keys = credentials(data_dir)
    if keys is None:
        found = boto3.Session().get_credentials()
        if found is None:
            raise SystemExit("nubis: no AWS credentials found")
        frozen = found.get_frozen_credentials()
        creds = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
    else:
        creds = Credentials(keys["aws_access_key_id"], keys["aws_secret_access_key"])
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(creds, "nubis", region()).add_auth(request)
    return urllib.request.Request(url, headers=dict(request.headers.items()))


def zip_source(source: Path) -> bytes:
    if source.is_file():
        return source.read_bytes()
    if not source.is_dir():
        raise SystemExit(f"nubis: {source} is neither a directory nor a zip file")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(source).as_posix())
    return buf.getvalue()


def _env(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"nubis: --env wants K=V, got {pair!r}")
        out[key] = value
    return out


def deploy(args: argparse.Namespace) -> int:
    client = lambda_client(args.endpoint, args.data_dir)
    code = zip_source(Path(args.source))
    config: dict[str, Any] = {"Runtime": args.runtime, "Handler": args.handler}
    if args.memory:
        config["MemorySize"] = args.memory
    if args.timeout:
        config["Timeout"] = args.timeout
    if args.env:
        config["Environment"] = {"Variables": _env(args.env)}
    try:
        client.get_function_configuration(FunctionName=args.name)
    except client.exceptions.ResourceNotFoundException:
        out = client.create_function(
            FunctionName=args.name, Role=args.role, Code={"ZipFile": code}, **config
        )
        print(f"created {out['FunctionArn']} ({out['CodeSize']} bytes)")
        return 0
    client.update_function_code(FunctionName=args.name, ZipFile=code)
    client.get_waiter("function_updated_v2").wait(FunctionName=args.name)
    out = client.update_function_configuration(FunctionName=args.name, **config)
    print(f"updated {out['FunctionArn']} ({out['CodeSize']} bytes)")
    return 0


def invoke(args: argparse.Namespace) -> int:
    payload = args.payload
    if payload.startswith("@"):
        payload = Path(payload[1:]).read_text()
    client = lambda_client(args.endpoint, args.data_dir)
    out = client.invoke(
        FunctionName=args.name,
        Payload=payload.encode(),
        InvocationType="Event" if args.is_async else "RequestResponse",
        LogType="Tail" if args.log and not args.is_async else "None",
    )
    if args.is_async:
        print(f"accepted ({out['StatusCode']}), request id {out['ResponseMetadata']['RequestId']}")
        return 0
    if args.log and "LogResult" in out:
        sys.stderr.write(base64.b64decode(out["LogResult"]).decode(errors="replace"))
    result = out["Payload"].read().decode(errors="replace")
    # The result as the function returned it, plus a newline so a shell prompt starts on
    # its own line (unless the result already ends with one).
    sys.stdout.write(result if result.endswith("\n") else result + "\n")
    return 1 if out.get("FunctionError") else 0


def ls(args: argparse.Namespace) -> int:
    client = lambda_client(args.endpoint, args.data_dir)
    rows = [("NAME", "RUNTIME", "MEMORY", "LAST MODIFIED")]
    for page in client.get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            runtime = f.get("Runtime") or f.get("PackageType", "")
            rows.append((f["FunctionName"], runtime, str(f["MemorySize"]), f["LastModified"]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def logs(args: argparse.Namespace) -> int:
    name = urllib.parse.quote(args.name, safe="")
    url = f"{args.endpoint.rstrip('/')}/_nubis/logs/{name}?tail={args.tail}"
    try:
        with urllib.request.urlopen(signed_get(url, args.data_dir)) as resp:
            sys.stdout.write(resp.read().decode(errors="replace"))
    except urllib.error.HTTPError as exc:
        print(f"nubis: {_http_error(exc)}", file=sys.stderr)
        return 1
    except urllib.error.URLError:
        return _unreachable(args.endpoint)
    return 0


def _http_error(exc: urllib.error.HTTPError) -> str:
    """`Code: message` from an AWS-shaped error answer, as `run` prints a ClientError."""
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("Message") or body.get("message") if isinstance(body, dict) else None
    code = exc.headers.get("x-amzn-ErrorType", "").split(":")[0]
    if not message:
        return f"HTTP {exc.code}: {exc.reason}"
    return f"{code}: {message}" if code else str(message)


def _unreachable(endpoint: str) -> int:
    print(
        f"nubis: cannot reach the server at {endpoint} (is `nubis serve` running?)",
        file=sys.stderr,
    )
    return 1


def rm(args: argparse.Namespace) -> int:
    lambda_client(args.endpoint, args.data_dir).delete_function(FunctionName=args.name)
    print(f"deleted {args.name}")
    return 0


COMMANDS = {"deploy": deploy, "invoke": invoke, "ls": ls, "logs": logs, "rm": rm}


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import ClientError, EndpointConnectionError

    try:
        return COMMANDS[args.command](args)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        print(f"nubis: {err.get('Code')}: {err.get('Message')}", file=sys.stderr)
        return 1
    except EndpointConnectionError:
        return _unreachable(args.endpoint)
