"""Every operation of the model is reachable through its own requestUri."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from nubis.api.protocols.rest_json import RestJsonService

LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


def _sample_path(template: str) -> str:
    return LABEL.sub(
        lambda m: "dir/sample-value" if m.group(2) else f"sample-{m.group(1)}", template
    )


def test_every_operation_routes_to_itself(service: RestJsonService, model: Any) -> None:
    assert len(service.operations) == len(model.operation_names)
    for name in model.operation_names:
        http = model.operation_model(name).http
        found, uri = service.match(http["method"], _sample_path(http["requestUri"]))
        assert found == name, http
        labels = LABEL.findall(http["requestUri"].partition("?")[0])
        assert uri == {
            label: "dir/sample-value" if greedy else f"sample-{label}" for label, greedy in labels
        }


def test_fixed_query_parts_tell_operations_apart(service: RestJsonService) -> None:
    path = "/2019-09-30/functions/f/provisioned-concurrency"
    assert service.match("GET", path, {"List": ["ALL"]})[0] == "ListProvisionedConcurrencyConfigs"
    assert service.match("GET", path, {"Qualifier": ["1"]})[0] == "GetProvisionedConcurrencyConfig"
    assert service.match("GET", "/2018-10-31/layers", {"find": ["LayerVersion"]})[0] == (
        "GetLayerVersionByArn"
    )


def test_parse_of_an_invoke_is_cheap(service: RestJsonService) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    headers = {
        "Host": "localhost",
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Invocation-Type": "RequestResponse",
        "X-Amz-Log-Type": "Tail",
        "User-Agent": "Boto3/1.34 md/Botocore#1.34",
        "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/lambda/aws4_request",
        "X-Amz-Date": "20260101T000000Z",
        "Content-Length": "18",
    }
    query = {"Qualifier": ["$LATEST"]}
    path = "/2015-03-31/functions/" + arn.replace(":", "%3A") + "/invocations"
    body = b'{"hello": "world"}'

    def once() -> None:
        operation, uri = service.match("POST", path, query)
        service.parse(operation, uri, query, headers, body)

    once()
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(500):
            once()
        samples.append((time.perf_counter() - start) / 500)
    best = min(samples)
    # Target well under 50 µs for match + parse; the bound leaves room for slow CI machines.
    assert best < 50e-6 * 4, f"match+parse of an Invoke took {best * 1e6:.1f} µs"
    if best > 50e-6:
        pytest.skip(f"slow machine: {best * 1e6:.1f} µs")
