"""The CloudWatch metrics API through real botocore clients of each of its protocols.

botocore 1.44 picks `json` (its priority order puts it before `smithy-rpc-v2-cbor` and
`query`) for `cloudwatch`; the other two are what other SDKs and older botocore versions
send. A client is forced to a protocol the way botocore itself would speak it: with the
same service model, its `protocols` narrowed to that one, in a data path of its own
(`AWS_DATA_PATH`'s mechanism, `data_path` on a session), so the serializer and parser
are botocore's real ones for that protocol.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config

from tests.helpers import Server

PROTOCOLS = ("json", "smithy-rpc-v2-cbor", "query")
API_VERSION = "2010-08-01"


def model_dir(root: Path, protocol: str) -> Path:
    """A data path holding cloudwatch's model with only `protocol` listed."""
    model = botocore.loaders.create_loader().load_service_model("cloudwatch", "service-2")
    model["metadata"]["protocol"] = protocol
    model["metadata"]["protocols"] = [protocol]
    folder = root / protocol / "cloudwatch" / API_VERSION
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    return root / protocol


def cloudwatch_client(endpoint: str, data_path: Path | None = None, **config: Any) -> Any:
    session = botocore.session.get_session()
    if data_path is not None:
        session.set_config_variable("data_path", str(data_path))
    return session.create_client(
        "cloudwatch",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
    )


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | None]:
    root = tmp_path_factory.mktemp("cloudwatch-models")
    return {
        "json": None,  # botocore's own choice
        "smithy-rpc-v2-cbor": model_dir(root, "smithy-rpc-v2-cbor"),
        "query": model_dir(root, "query"),
    }


@pytest.fixture(params=PROTOCOLS, ids=["json", "cbor", "query"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def cw(server: Server, models: dict[str, Path | None], protocol: str) -> Any:
    client = cloudwatch_client(server.endpoint, models[protocol])
    assert client.meta.service_model.resolved_protocol == protocol
    yield client
    client.close()


@pytest.fixture
def cw_unvalidated(server: Server, models: dict[str, Path | None], protocol: str) -> Any:
    """A client that sends what botocore's own validation would refuse."""
    client = cloudwatch_client(server.endpoint, models[protocol], parameter_validation=False)
    yield client
    client.close()


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """`check()` once it is truthy: the recorder hands records over in batches, so the
    AWS/Lambda datapoints of an invocation appear shortly after it answers."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)
