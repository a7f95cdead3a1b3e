from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, lambda_client, running_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server for the compatibility tests (each test uses its own function names)."""
    data = tmp_path_factory.mktemp("nubis") / "data"
    with running_server(data, "--idle-timeout", "30") as srv:
        yield srv


@pytest.fixture(scope="session")
def client(server: Server) -> Any:
    return lambda_client(server.endpoint)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A function name unique to the test."""
    import re
    import uuid

    base = re.sub(r"[^a-zA-Z0-9-_]", "-", request.node.name)[:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect garbage after every test, so that an object a test leaked (an unclosed
    socket, a client never closed) warns in that test's teardown rather than at a random
    later moment in someone else's test."""
    yield
    import gc

    gc.collect()
