"""Reserved and provisioned concurrency through boto3 against a real server."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create, lambda_client, running_server

# Blocks until `release` exists, after marking itself as running in `running/`: a test
# can then hold a known number of invocations in flight at the same time.
BLOCKING = """
import os, time
def handler(event, context):
    if "running" in event:
        open(os.path.join(event["running"], context.aws_request_id), "w").close()
    deadline = time.time() + 30
    while "release" in event and not os.path.exists(event["release"]):
        if time.time() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.005)
    return {"init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}
"""


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def test_reserved_concurrency_throttles_exactly(client: Any, name: str, tmp_path: Path) -> None:
    """5 simultaneous invocations with 2 reserved: the first 2 admitted block until
    released, which happens only after 3 throttles were seen, so exactly 2 succeed."""
    create(client, name, BLOCKING, Timeout=60)
    put = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert put["ReservedConcurrentExecutions"] == 2
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 2
    got = client.get_function(FunctionName=name)
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 2}

    release = tmp_path / "release"
    payload = json.dumps({"release": str(release)}).encode()
    ok: list[Any] = []
    throttled: list[ClientError] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            out = client.invoke(FunctionName=name, Payload=payload)
            with lock:
                ok.append(json.loads(out["Payload"].read()))
        except ClientError as exc:
            with lock:
                throttled.append(exc)
        except Exception as exc:  # reported below, not lost in a dying thread
            with lock:
                unexpected.append(exc)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    wait_until(lambda: len(throttled) == 3)
    assert ok == []  # the two admitted ones are still held
    release.touch()
    for t in threads:
        t.join(60)
    assert unexpected == []
    assert not any(t.is_alive() for t in threads)
    assert len(ok) == 2
    assert len(throttled) == 3
    for exc in throttled:
        r = exc.response
        assert r["Error"]["Code"] == "TooManyRequestsException"
        assert r["Error"]["Message"] == "Rate Exceeded."
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert r["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"

    # Reserved 0 throttles everything; deleting the setting lifts it.
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as exc:
        client.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(exc) == ("TooManyRequestsException", "Rate Exceeded.", 429)
    client.delete_function_concurrency(FunctionName=name)
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(FunctionName=name)
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200


def test_account_limit_keeps_100_unreserved(data_dir: Path) -> None:
    with running_server(data_dir, "--account-concurrency", "300") as srv:
        client = lambda_client(srv.endpoint)
        create(client, "a", "def handler(e, c):\n    return 1\n")
        create(client, "b", "def handler(e, c):\n    return 1\n")
        limit = client.get_account_settings()["AccountLimit"]
        assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (
            300,
            300,
        )
        client.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=150)
        with pytest.raises(ClientError) as exc:
            client.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=51)
        assert error_of(exc) == (
            "InvalidParameterValueException",
            "Specified ReservedConcurrentExecutions for function decreases account's "
            "UnreservedConcurrentExecution below its minimum value of [100].",
            400,
        )
        client.put_function_concurrency(FunctionName="b", ReservedConcurrentExecutions=50)
        limit = client.get_account_settings()["AccountLimit"]
        assert limit["UnreservedConcurrentExecutions"] == 100
        # Changing a function's own reservation does not count it twice.
        client.put_function_concurrency(FunctionName="a", ReservedConcurrentExecutions=150)
        with pytest.raises(ClientError) as exc:
            client.put_function_concurrency(FunctionName="nope", ReservedConcurrentExecutions=1)
        assert error_of(exc)[0] == "ResourceNotFoundException"


def _throttle_of(client: Any, fn: str) -> tuple[str, str, int, str]:
    """The error of a throttled invoke as boto3 parses it (code, message, status,
    Reason). Only the response is kept: a held traceback keeps botocore's connection."""
    try:
        client.invoke(FunctionName=fn, Payload=b"{}")
    except ClientError as exc:
        r = exc.response
        return (
            r["Error"]["Code"],
            r["Error"]["Message"],
            r["ResponseMetadata"]["HTTPStatusCode"],
            r["Reason"],
        )
    raise AssertionError("not throttled")


def test_account_limit_throttles_the_unreserved_pool(data_dir: Path, tmp_path: Path) -> None:
    """`--account-concurrency 3`: three invocations of two functions without a
    reservation hold the whole pool, so a fourth is refused as Lambda refuses it, and an
    async one waits in the queue (throttled, retried) until the pool has room again."""
    running = tmp_path / "running"
    running.mkdir()
    later = tmp_path / "later"
    later.mkdir()
    release = tmp_path / "release"
    with running_server(data_dir, "--account-concurrency", "3") as srv:
        client = lambda_client(srv.endpoint)
        for fn in ("a", "b"):
            create(client, fn, BLOCKING, Timeout=60)
        hold = json.dumps({"running": str(running), "release": str(release)}).encode()
        errors: list[BaseException] = []

        def call(fn: str) -> None:
            own = lambda_client(srv.endpoint)
            try:
                own.invoke(FunctionName=fn, Payload=hold)
            except BaseException as exc:  # reported below, not lost in a dying thread
                errors.append(exc)
            finally:
                own.close()

        threads = [threading.Thread(target=call, args=(fn,)) for fn in ("a", "a", "b")]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: len(list(running.iterdir())) == 3)
            for fn in ("a", "b"):
                assert _throttle_of(client, fn) == (
                    "TooManyRequestsException",
                    "Rate Exceeded.",
                    429,
                    "ConcurrentInvocationLimitExceeded",
                )
            queued = client.invoke(
                FunctionName="b",
                InvocationType="Event",
                Payload=json.dumps({"running": str(later)}).encode(),
            )
            assert queued["StatusCode"] == 202
        finally:
            release.touch()
            for t in threads:
                t.join(60)
        assert errors == []
        # The throttled event was not lost: it runs once the pool has room.
        wait_until(lambda: len(list(later.iterdir())) == 1)
        assert client.invoke(FunctionName="a", Payload=b"{}")["StatusCode"] == 200
        client.close()


def _report(tail_b64: str) -> str:
    import base64

    lines = base64.b64decode(tail_b64).decode().splitlines()
    return next(line for line in lines if line.startswith("REPORT"))


def test_provisioned_concurrency(client: Any, name: str, tmp_path: Path) -> None:
    arn = create(client, name, BLOCKING, Timeout=60)["FunctionArn"]
    with pytest.raises(ClientError) as exc:
        client.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        client.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
        )
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {arn}:1", 404)
    client.publish_version(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert error_of(exc) == (
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
        404,
    )

    put = client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    assert put["Status"] == "IN_PROGRESS"
    assert put["AvailableProvisionedConcurrentExecutions"] == 0

    def ready() -> bool:
        got = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        return bool(got["Status"] == "READY")

    wait_until(ready)
    got = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert got["AvailableProvisionedConcurrentExecutions"] == 2
    assert got["AllocatedProvisionedConcurrentExecutions"] == 2
    listed = client.list_provisioned_concurrency_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["ProvisionedConcurrencyConfigs"]] == [f"{arn}:1"]

    # Ready before the first invocation: no cold start, no Init Duration.
    out = client.invoke(FunctionName=name, Qualifier="1", Payload=b"{}", LogType="Tail")
    assert json.loads(out["Payload"].read()) == {"init": "provisioned-concurrency"}
    report = _report(out["LogResult"])
    assert "Init Duration" not in report

    # Three at once with two provisioned: the third spills over to an on-demand one.
    running, release = tmp_path / "running", tmp_path / "release"
    running.mkdir()
    payload = json.dumps({"running": str(running), "release": str(release)}).encode()
    results: list[tuple[str, str]] = []

    def call() -> None:
        out = client.invoke(FunctionName=name, Qualifier="1", Payload=payload, LogType="Tail")
        results.append((json.loads(out["Payload"].read())["init"], _report(out["LogResult"])))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    wait_until(lambda: len(list(running.iterdir())) == 3)
    release.touch()
    for t in threads:
        t.join(60)
    inits = sorted(init for init, _ in results)
    assert inits == ["on-demand", "provisioned-concurrency", "provisioned-concurrency"]
    for init, report in results:
        assert ("Init Duration" in report) == (init == "on-demand"), report

    # On an alias: it provisions the alias's version (which may not have one of its own
    # at the same time, as in Lambda).
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    wait_until(
        lambda: (
            client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")["Status"]
            == "READY"
        )
    )
    listed = client.list_provisioned_concurrency_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["ProvisionedConcurrencyConfigs"]] == [
        f"{arn}:live",
    ]

    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    with pytest.raises(ClientError) as exc:
        client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert error_of(exc)[0] == "ProvisionedConcurrencyConfigNotFoundException"
    # Deleting it again succeeds, as in Lambda.
    again = client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204
