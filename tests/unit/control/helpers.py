"""Control on in-memory stores and the FakeEngine, with stores that count their reads."""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

from nubis.control.aliases import AliasService
from nubis.control.concurrency import ConcurrencyService
from nubis.control.functions import Account, FunctionService, Principal
from nubis.engine.fake import FakeEngine
from nubis.model.clock import FakeClock
from nubis.model.function import FunctionConfig
from nubis.model.requests import CodeInput, CreateFunctionRequest
from nubis.store.memory import (
    MemoryBlobStore,
    MemoryConcurrencyStore,
    MemoryFunctionStore,
    MemoryLayerStore,
    MemoryVersionStore,
)


class CountingFunctions(MemoryFunctionStore):
    """The in-memory store, counting reads; `hold` makes the next `get` wait for it."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.hold: asyncio.Event | None = None
        self.holding = asyncio.Event()

    async def get(self, name: str) -> FunctionConfig | None:
        self.gets += 1
        found = await super().get(name)
        if self.hold is not None:
            hold, self.hold = self.hold, None
            self.holding.set()
            await hold.wait()
        return found


class CountingVersions(MemoryVersionStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        self.reads += 1
        return await super().get_version(name, version)

    async def get_alias(self, name: str, alias: str) -> Any:
        self.reads += 1
        return await super().get_alias(name, alias)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


class World:
    def __init__(
        self,
        versions: MemoryVersionStore | None = None,
        concurrency: MemoryConcurrencyStore | None = None,
    ) -> None:
        self.store = CountingFunctions()
        self.version_store = versions or CountingVersions()
        self.blobs = MemoryBlobStore()
        self.engine = FakeEngine()
        self.functions = FunctionService(
            Account("us-east-1", "123456789012"),
            self.store,
            self.blobs,
            self.engine,
            FakeClock(),
            versions=self.version_store,
            concurrency=concurrency or MemoryConcurrencyStore(),
            layers=MemoryLayerStore(),
        )
        self.concurrency = ConcurrencyService(self.functions, self.engine, FakeClock())
        self.aliases = AliasService(self.functions, self.concurrency)

    async def create(self, name: str = "f") -> FunctionConfig:
        return await self.functions.create(
            CreateFunctionRequest(
                function_name=name,
                role="arn:aws:iam::123456789012:role/r",
                code=CodeInput(_zip()),
                runtime="python3.11",
                handler="app.handler",
            ),
            Principal(),
        )

    def close(self) -> None:
        self.blobs.close()


class YieldingVersions(MemoryVersionStore):
    """Reads give the loop a turn, as a store on a thread or a network does."""

    async def latest_version(self, name: str) -> FunctionConfig | None:
        found = await super().latest_version(name)
        await asyncio.sleep(0)  # the answer is on its way back: others run meanwhile
        return found

    async def get_version(self, name: str, version: str) -> FunctionConfig | None:
        found = await super().get_version(name, version)
        await asyncio.sleep(0)
        return found

    async def list_aliases(self, name: str) -> list[Any]:
        found = await super().list_aliases(name)
        await asyncio.sleep(0)
        return found


class YieldingConcurrency(MemoryConcurrencyStore):
    async def all_reserved(self) -> dict[str, int]:
        found = await super().all_reserved()
        await asyncio.sleep(0)
        return found
