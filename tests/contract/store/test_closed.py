"""After `close()` (idempotent: the fixtures close every store twice more) a store's other
methods raise RuntimeError, for every backend, rather than work on a half-torn state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nubis.model.clock import FakeClock
from nubis.store.base import QueuedEvent
from tests.contract.store.conftest import Backend, Opened

NOW = FakeClock().time()
CALLS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "functions": ("get", ("f",)),
    "versions": ("latest_version", ("f",)),
    "concurrency": ("all_reserved", ()),
    "layers": ("names", ()),
    "events": ("enqueue", (QueuedEvent("e", "fn", None, b"{}", NOW),)),
    "queues": ("get_queue", ("q",)),
}


@pytest.mark.parametrize("kind", sorted(CALLS))
async def test_methods_raise_after_close(backend: Backend, tmp_path: Path, kind: str) -> None:
    opened = Opened(backend, tmp_path)
    store = opened(kind)
    method, args = CALLS[kind]
    store.close()
    store.close()
    with pytest.raises(RuntimeError):
        await getattr(store, method)(*args)
    opened.close_all()


async def test_closing_one_store_leaves_the_others_on_its_files_working(
    backend: Backend, tmp_path: Path
) -> None:
    """The SQLite metadata stores share one file (and its writer thread): each store's
    close is its own."""
    opened = Opened(backend, tmp_path)
    functions, layers = opened("functions"), opened("layers")
    again = opened("functions")
    functions.close()
    assert await layers.names() == []
    assert await again.get("f") is None
    opened.close_all()
