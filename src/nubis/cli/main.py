"""`nubis` command line: argument parsing only; the work is in `serve` and `client`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nubis.cli import flags

DEFAULT_ENDPOINT = "http://127.0.0.1:9000"


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="nubis", description="A self-hosted AWS Lambda.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve",
        help="run the server",
        description="Serve the Lambda API. Every flag can also come from the NUBIS_* "
        "environment variable named in its help; flags win over the environment.",
    )
    flags.add_arguments(s)
    sub.add_parser("doctor", help="list which isolation protections this host allows")

    def client(name: str, help: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help)
        c.add_argument(
            "--endpoint",
            default=env("NUBIS_ENDPOINT", DEFAULT_ENDPOINT),
            help=f"the server's URL (NUBIS_ENDPOINT; default {DEFAULT_ENDPOINT})",
        )
        c.add_argument(
            "--data-dir",
            default=env("NUBIS_DATA_DIR"),
            help="the server's data dir, whose credentials file is used when no AWS "
            "credentials are given (NUBIS_DATA_DIR; default ./data if it has one)",
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
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            settings = flags.settings_from(args, os.environ)
        except flags.FlagError as exc:
            parser.exit(2, f"nubis serve: error: {exc}\n")
        from nubis.cli.serve import run_server

        return run_server(settings)
    if args.command == "doctor":
        from nubis.cli.doctor import run_doctor

        return run_doctor()
    from nubis.cli import client

    return client.run(args)


if __name__ == "__main__":
    sys.exit(main())
