"""Records the contract tests store."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

from nubis.model.function import FunctionConfig, LayerRef


def config(name: str = "f", sha: str = "ab" * 32, revision: str = "rev") -> FunctionConfig:
    return FunctionConfig(
        name=name,
        runtime="python3.11",
        handler="h.h",
        role="r",
        code_sha256=sha,
        code_size=1,
        memory_size=128,
        timeout=3,
        ephemeral_storage=512,
        environment={"A": "1"},
        description="",
        architectures=("x86_64",),
        last_modified="2024-01-01T00:00:00.000+0000",
        revision_id=revision,
        layers=(LayerRef("arn:l:1", "cd" * 32, 10, 20),),
    )


def revised(c: FunctionConfig, revision: str, **changes: object) -> FunctionConfig:
    return replace(c, revision_id=revision, **changes)  # type: ignore[arg-type]


def package(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
