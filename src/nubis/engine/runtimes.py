"""Discovery of the Python interpreters this host can run functions with.

A candidate counts only if running it prints the expected version: names in PATH can be
shims (pyenv) that exist but fail. The server's own interpreter is a candidate through
its base installation, never through a virtualenv, so functions do not see Nubis's
packages.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

MINORS = range(8, 15)  # python3.8 ... python3.14
_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"
_PROBE_TIMEOUT_S = 10.0


def _candidates(minor: int) -> list[str]:
    name = f"python3.{minor}"
    found: list[str] = []
    if sys.version_info[:2] == (3, minor):
        base = getattr(sys, "_base_executable", None)
        if base and Path(base).resolve().parent != Path(sys.prefix).resolve() / "bin":
            found.append(base)
        found.append(str(Path(sys.base_prefix) / "bin" / name))
    found += [f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    which = shutil.which(name)
    if which:
        found.append(which)
    unique: list[str] = []
    for path in found:
        if path not in unique and os.access(path, os.X_OK):
            unique.append(path)
    return unique


async def _works(exe: str, minor: int) -> bool:
    try:
        proc = await asyncio.create_subprocess_exec(
            exe,
            "-I",
            "-c",
            _PROBE,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return False
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), _PROBE_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return False
    return proc.returncode == 0 and out.decode().strip() == f"3.{minor}"


async def discover() -> dict[str, str]:
    """Runtime identifier (`python3.11`) -> interpreter path, probing all candidates at once."""
    probes = [(minor, exe) for minor in MINORS for exe in _candidates(minor)]
    results = await asyncio.gather(*(_works(exe, minor) for minor, exe in probes))
    found: dict[str, str] = {}
    for (minor, exe), ok in zip(probes, results, strict=True):
        if ok:
            found.setdefault(f"python3.{minor}", exe)
    return found
