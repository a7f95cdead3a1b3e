"""In-memory `FunctionStore` and `BlobStore`: fakes for tests of the code above the store."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nubis.model.function import FunctionConfig
from nubis.store.blobs import FileBlobStore
from nubis.store.memory._closing import Closing


class MemoryFunctionStore(Closing):
    def __init__(self) -> None:
        self._rows: dict[str, FunctionConfig] = {}

    async def get(self, name: str) -> FunctionConfig | None:
        self._open()
        return self._rows.get(name)

    async def list(self, after: str | None, limit: int) -> list[FunctionConfig]:
        self._open()
        names = sorted(n for n in self._rows if n > (after or ""))
        return [self._rows[n] for n in names[:limit]]

    async def create(self, config: FunctionConfig) -> bool:
        self._open()
        if config.name in self._rows:
            return False
        self._rows[config.name] = config
        return True

    async def replace(self, config: FunctionConfig, expected_revision: str) -> bool:
        self._open()
        current = self._rows.get(config.name)
        if current is None or current.revision_id != expected_revision:
            return False
        self._rows[config.name] = config
        return True

    async def delete(self, name: str) -> bool:
        self._open()
        return self._rows.pop(name, None) is not None


class MemoryBlobStore:
    """A `BlobStore` that needs no data directory. The Protocol hands out paths, so the
    packages are files after all: a `FileBlobStore` in a private temporary directory,
    made on first use (the same checks, the same extraction) and removed by `close()`."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._files: FileBlobStore | None = None
        self._closed = False

    async def put(self, data: bytes) -> str:
        return await self._materialized().put(data)

    def path(self, sha256: str) -> Path:
        return self._materialized().path(sha256)

    async def unpacked(self, sha256: str) -> Path:
        return await self._materialized().unpacked(sha256)

    async def merged(self, sha256s: Sequence[str]) -> Path:
        return await self._materialized().merged(sha256s)

    def _materialized(self) -> FileBlobStore:
        if self._closed:
            raise RuntimeError("MemoryBlobStore is closed")
        if self._files is None:
            self._root = Path(tempfile.mkdtemp(prefix="nubis-blobs-"))
            self._files = FileBlobStore(self._root)
        return self._files

    def close(self) -> None:
        self._closed = True
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self._files = None
