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


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session (`nubis_test_<random>`,
    dropped at the end) on the server `NUBIS_TEST_POSTGRES` names (default: the local
    one, which `.ci/run` starts); the test is skipped if no PostgreSQL answers."""
    import os
    import uuid

    import psycopg
    from psycopg import conninfo

    admin = os.environ.get("NUBIS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL answers at {admin}: {exc}")
    database = f"nubis_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{database}"'.encode())
        try:
            yield conninfo.make_conninfo(admin, dbname=database)
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'.encode())


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


# What a test needs, as markers (`pytest -m "not root"`, `-m "not server"`, `-m postgres`),
# derived from what its module uses so that a new test is marked without anyone
# remembering to: a test needs...
#   server   - a real `nubis serve` subprocess: its module starts one (`running_server`) or
#              the test uses a fixture that does (`server` and the fixtures built on it);
#   root     - Linux isolation (namespaces, cgroups, mounts): its module skips without it
#              (`needs_isolation`, a euid check) or mounts things;
#   postgres - a PostgreSQL server: it uses the `postgres_dsn` fixture (the cluster issue).
_SERVER_FIXTURES = frozenset({"server", "async_server", "queue_server"})
_SERVER_TEXT = ("running_server(",)
_ROOT_TEXT = ("needs_isolation", "os.geteuid()")
_module_text: dict[str, str] = {}


def _text_of(path: Path) -> str:
    key = str(path)
    if key not in _module_text:
        _module_text[key] = path.read_text(errors="replace")
    return _module_text[key]


def _skips_without_isolation(item: pytest.Item) -> bool:
    """A parameter marked `needs_isolation` (tests/unit/sandbox/helpers.py), e.g. the
    isolated runner of tests/compat/runtimes."""
    return any(
        str(mark.kwargs.get("reason", "")).startswith("no isolation")
        for mark in item.iter_markers("skipif")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        text = _text_of(item.path)
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _SERVER_FIXTURES or any(t in text for t in _SERVER_TEXT):
            item.add_marker(pytest.mark.server)
        if any(t in text for t in _ROOT_TEXT) or _skips_without_isolation(item):
            item.add_marker(pytest.mark.root)
        if "postgres_dsn" in fixtures:
            item.add_marker(pytest.mark.postgres)
