"""How long one decision takes: 3 policies, 10 statements, with and without the cache.

    .venv/bin/python -m tests.unit.control.iam.bench_evaluate

Not a test (no thresholds): it prints, in µs per decision of process CPU time (less
disturbed than wall time on a shared machine), the best and the median of 7 runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import timeit

from nubis.control.iam import DecisionCache, PolicyKind, Principal, Request, evaluate, parse_policy

ACCT = "111122223333"
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:orders-api"
V = "2012-10-17"

IDENTITY_A = {
    "Version": V,
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": "sqs:*",
            "Resource": f"arn:aws:sqs:us-east-1:{ACCT}:orders-*",
        },
        {"Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": f"arn:aws:lambda:*:{ACCT}:function:${{aws:username}}-*",
        },
    ],
}
IDENTITY_B = {
    "Version": V,
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": f"arn:aws:lambda:us-east-1:{ACCT}:function:orders-*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
        },
        {"Effect": "Deny", "Action": "lambda:Delete*", "Resource": "*"},
    ],
}
RESOURCE = {
    "Version": V,
    "Statement": [
        {
            "Sid": "sns",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": FN,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCT}:*"}},
        },
        {
            "Sid": "team",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/orders"},
            "Action": "lambda:InvokeFunction",
            "Resource": FN,
        },
        {
            "Sid": "no-old-tls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "lambda:*",
            "Resource": FN,
            "Condition": {"NumericLessThan": {"k:tls-version": "1.2"}},
        },
    ],
}


def main() -> None:
    identity = [parse_policy(IDENTITY_A), parse_policy(IDENTITY_B)]
    resource = parse_policy(RESOURCE, PolicyKind.RESOURCE)
    context = {"aws:SecureTransport": True, "aws:SourceIp": "192.0.2.15", "k:tls-version": "1.3"}
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    user = Principal.from_arn(f"arn:aws:iam::{ACCT}:user/orders")
    request = Request.build(user, "lambda:InvokeFunction", FN, context, now=now)
    assert evaluate(request, identity, resource).allowed
    cache = DecisionCache()

    def uncached() -> None:
        evaluate(request, identity, resource)

    def cached() -> None:
        cache.decide(request, identity, resource, identity_version=1, resource_version=1)

    def build_and_cached() -> None:
        r = Request.build(user, "lambda:InvokeFunction", FN, context, now=now)
        cache.decide(r, identity, resource, identity_version=1, resource_version=1)

    n = 20_000
    for name, fn in (
        ("evaluate", uncached),
        ("cache hit", cached),
        ("build + hit", build_and_cached),
    ):
        runs = [t / n * 1e6 for t in timeit.Timer(fn, timer=time.process_time).repeat(7, n)]
        print(f"{name:12} best {min(runs):6.2f} µs, median {statistics.median(runs):6.2f} µs")


if __name__ == "__main__":
    main()
