"""A real server in `--auth iam` mode (its own data dir, so its first start creates the
administrator and `<data dir>/credentials`), and clients signed with given keys."""

from __future__ import annotations

import configparser
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.helpers import Server, running_server

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def iam_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("nubis-auth") / "data"
    with running_server(data, "--auth", "iam", "--idle-timeout", "30") as srv:
        yield srv


@pytest.fixture(scope="module")
def admin_keys(iam_server: Server) -> tuple[str, str]:
    parser = configparser.ConfigParser()
    parser.read(iam_server.data_dir / "credentials")
    section = parser["default"]
    return section["aws_access_key_id"], section["aws_secret_access_key"]


def client(
    service: str, endpoint: str, key: str, secret: str, token: str | None = None, **kw: Any
) -> Any:
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30)
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config.merge(kw.pop("config")) if "config" in kw else config,
        **kw,
    )


@pytest.fixture(scope="module")
def admin(iam_server: Server, admin_keys: tuple[str, str]) -> Callable[[str], Any]:
    """A client of a service signed with the administrator's key."""
    return lambda service: client(service, iam_server.endpoint, *admin_keys)


def error_of(call: Callable[[], Any]) -> tuple[int, str, str]:
    """(HTTP status, code, message) of the ClientError `call` raises."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    error = response["Error"]
    return response["ResponseMetadata"]["HTTPStatusCode"], error["Code"], error["Message"]
