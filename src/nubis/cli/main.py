"""`nubis` command line: argument parsing only; the work is in `serve` and `client`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

DEFAULT_ENDPOINT = "http://127.0.0.1:9000"


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="nubis", description="A self-hosted AWS Lambda.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve",
        help="run the server",
        description="Serve the Lambda API. Every flag can also come from the NUBIS_* "
        "environment variable named in its help; flags win.",
    )
    s.add_argument(
        "--host",
        default=env("NUBIS_HOST", "127.0.0.1"),
        help="address to listen on (NUBIS_HOST; default 127.0.0.1)",
    )
    s.add_argument(
        "--port",
        type=int,
        default=int(env("NUBIS_PORT", "9000")),
        help="port of the Lambda and SQS APIs (NUBIS_PORT; default 9000)",
    )
    s.add_argument(
        "--data-dir",
        default=env("NUBIS_DATA_DIR", "./data"),
        help="where functions, code, events and logs are kept; one server per data dir "
        "(NUBIS_DATA_DIR; default ./data)",
    )
    s.add_argument(
        "--region",
        default=env("NUBIS_REGION", "us-east-1"),
        help="region in ARNs and environments (NUBIS_REGION; default us-east-1)",
    )
    s.add_argument(
        "--account-id",
        default=env("NUBIS_ACCOUNT_ID", "000000000000"),
        help="account id in ARNs (NUBIS_ACCOUNT_ID; default 000000000000)",
    )
    s.add_argument(
        "--idle-timeout",
        type=float,
        default=float(env("NUBIS_IDLE_TIMEOUT", "300")),
        help="seconds an idle environment is kept (NUBIS_IDLE_TIMEOUT; default 300)",
    )
    s.add_argument(
        "--max-environments",
        type=int,
        default=int(env("NUBIS_MAX_ENVIRONMENTS", "256")),
        help="environments across all functions (NUBIS_MAX_ENVIRONMENTS; default 256)",
    )
    for flag, default, what in (
        ("rate-mb", "2", "MB/s of log output kept per environment; beyond it, dropped"),
        ("burst-mb", "8", "MB of log output an environment may write at once"),
        ("group-max-mb", "256", "MB of logs kept per function (oldest removed first)"),
        ("total-max-mb", "2048", "MB of logs kept in all (oldest removed first)"),
        ("retention-days", "30", "days logs are kept"),
    ):
        variable = "NUBIS_LOG_" + flag.upper().replace("-", "_")
        s.add_argument(
            f"--log-{flag}",
            type=float,
            default=float(env(variable, default)),
            help=f"{what} ({variable}; default {default})",
        )
    s.add_argument(
        "--blank-environments",
        type=int,
        default=int(env("NUBIS_BLANK_ENVIRONMENTS", "6")),
        help="sandboxed processes kept ready per runtime for bursts of cold starts "
        "(NUBIS_BLANK_ENVIRONMENTS; default 6)",
    )
    s.add_argument(
        "--account-concurrency",
        type=int,
        default=int(env("NUBIS_ACCOUNT_CONCURRENCY", "1000")),
        help="simultaneous executions of the account; 100 stay unreserved "
        "(NUBIS_ACCOUNT_CONCURRENCY; default 1000)",
    )
    s.add_argument(
        "--async-retry-delays",
        default=env("NUBIS_ASYNC_RETRY_DELAYS", "60,120"),
        help="seconds before each retry of a failed async event "
        "(NUBIS_ASYNC_RETRY_DELAYS; default 60,120, as Lambda)",
    )
    s.add_argument(
        "--async-concurrency",
        type=int,
        default=int(env("NUBIS_ASYNC_CONCURRENCY", "64")),
        help="async events run at once; the rest of the capacity stays for sync calls "
        "(NUBIS_ASYNC_CONCURRENCY; default 64)",
    )
    s.add_argument(
        "--drain-timeout",
        type=float,
        default=float(env("NUBIS_DRAIN_TIMEOUT", "30")),
        help="on SIGTERM/SIGINT, seconds in-flight invocations get to finish before the "
        "server stops; a second signal stops at once (NUBIS_DRAIN_TIMEOUT; default 30)",
    )
    s.add_argument(
        "--http-header-timeout",
        type=float,
        default=float(env("NUBIS_HTTP_HEADER_TIMEOUT", "10")),
        help="seconds a client has to send a request's headers, else 408 "
        "(NUBIS_HTTP_HEADER_TIMEOUT; default 10)",
    )
    s.add_argument(
        "--http-body-timeout",
        type=float,
        default=float(env("NUBIS_HTTP_BODY_TIMEOUT", "30")),
        help="seconds a request body may stall, else 408 (NUBIS_HTTP_BODY_TIMEOUT; default 30)",
    )
    s.add_argument(
        "--http-idle-timeout",
        type=float,
        default=float(env("NUBIS_HTTP_IDLE_TIMEOUT", "60")),
        help="seconds an idle keep-alive connection is kept open "
        "(NUBIS_HTTP_IDLE_TIMEOUT; default 60)",
    )
    s.add_argument(
        "--log-level",
        default=env("NUBIS_LOG_LEVEL", "INFO"),
        help="DEBUG, INFO, WARNING or ERROR (NUBIS_LOG_LEVEL; default INFO)",
    )
    s.add_argument(
        "--isolation",
        choices=("auto", "on", "off"),
        default=env("NUBIS_ISOLATION", "auto"),
        help="sandbox environments: auto (where the host allows), on (or fail), off "
        "(NUBIS_ISOLATION; default auto)",
    )
    sub.add_parser("doctor", help="list which isolation protections this host allows")

    def client(name: str, help: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help)
        c.add_argument(
            "--endpoint",
            default=env("NUBIS_ENDPOINT", DEFAULT_ENDPOINT),
            help=f"the server's URL (NUBIS_ENDPOINT; default {DEFAULT_ENDPOINT})",
        )
        return c

    d = client("deploy", "create or update a function from a directory or zip")
    d.add_argument("source", help="a directory (zipped for you) or a .zip file")
    d.add_argument("--name", required=True, help="the function's name")
    d.add_argument("--runtime", default="python3.11", help="default python3.11")
    d.add_argument(
        "--handler",
        default="lambda_function.lambda_handler",
        help="module.function (default lambda_function.lambda_handler)",
    )
    d.add_argument("--memory", type=int, metavar="MB", help="MemorySize (Lambda's default 128)")
    d.add_argument("--timeout", type=int, metavar="S", help="Timeout (Lambda's default 3)")
    d.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="an environment variable; repeat for more",
    )
    d.add_argument(
        "--role",
        default="arn:aws:iam::000000000000:role/nubis",
        help="execution role ARN (recorded, not enforced)",
    )

    i = client("invoke", "invoke a function and print its result")
    i.add_argument("name", help="function name, ARN, or name:qualifier")
    i.add_argument("--payload", default="{}", help="JSON text, or @file")
    i.add_argument("--async", dest="is_async", action="store_true", help="InvocationType Event")
    i.add_argument("--log", action="store_true", help="also print the log tail")

    client("ls", "list functions")
    lg = client("logs", "print a function's logs")
    lg.add_argument("name", help="function name")
    lg.add_argument("--tail", type=int, default=0, help="only the last N lines")
    r = client("rm", "delete a function")
    r.add_argument("name", help="function name")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from nubis.cli.serve import run_server

        return run_server(args)
    if args.command == "doctor":
        from nubis.cli.doctor import run_doctor

        return run_doctor()
    from nubis.cli import client

    return client.run(args)


if __name__ == "__main__":
    sys.exit(main())
