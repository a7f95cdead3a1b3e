"""Discovery of the runtimes this host can run, and how each one starts.

Python runtimes each have a zygote (their interpreter). Node.js and `provided` runtimes
are started by a fork of a Python zygote that, once confined, execs the runtime
(`Launch.exec_argv`): the sandbox is applied the same way for every runtime.

A candidate counts only if running it prints the expected version: names in PATH can be
shims (pyenv) that exist but fail. The server's own interpreter is a candidate through
its base installation, never through a virtualenv, so functions do not see Nubis's
packages.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nubis.sandbox.paths import Layout

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


# --- Runtimes that are not a Python zygote's own: exec'ed by a forked child after confinement

PROVIDED = ("provided.al2023", "provided.al2")
NODE_BOOTSTRAP = Path(__file__).resolve().parent.parent / "runtimes" / "node" / "bootstrap.js"
RUNTIMES_DIR = Path(__file__).resolve().parent.parent / "runtimes"
# The AWS SDK for Python as Lambda's Python runtimes include it (on sys.path after the
# function's code): these packages of the server's own environment, bound read-only.
PYTHON_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


async def discover_others() -> dict[str, str]:
    """`nodejs<major>.x` for the installed Node.js, and the `provided` runtimes."""
    found = {runtime: "the function's bootstrap executable" for runtime in PROVIDED}
    node = shutil.which("node")  # not resolved: a version manager's shim must stay
    if node is not None:
        try:
            proc = await asyncio.create_subprocess_exec(
                node, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            )
            out, _ = await asyncio.wait_for(proc.communicate(), _PROBE_TIMEOUT_S)
            major = out.decode().strip().lstrip("v").split(".")[0]
            if proc.returncode == 0 and major.isdigit():
                found[f"nodejs{major}.x"] = node
        except (OSError, TimeoutError):
            pass
    return found


@dataclass(frozen=True)
class Launch:
    """How an environment of a runtime starts, beyond the fork of a Python zygote."""

    exec_argv: list[str] | None = None  # exec this after confinement (not the Python loop)
    ro_binds: tuple[tuple[str, str], ...] = ()  # (host path, path inside) for the sandbox
    env: dict[str, str] = field(default_factory=dict)


async def precompile(executable: str, directory: Path) -> None:
    """Compile a package's Python sources into its __pycache__ (best effort, at low
    priority). Inside a sandbox the code is read-only, so without this every cold start
    compiles again whatever it imports: milliseconds per module of vendored libraries.
    Runs the runtime's own interpreter, whose version tag names the .pyc files."""
    argv = [executable, "-I", "-m", "compileall", "-q", "-j", "1", str(directory)]
    nice = shutil.which("nice")
    if nice is not None:
        argv = [nice, "-n", "10", *argv]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await proc.wait()
    except BaseException:
        proc.kill()
        await proc.wait()
        raise


@functools.cache
def python_sdk(layout: Layout) -> tuple[tuple[str, str], ...]:
    """(host path, path inside) of the AWS SDK packages, as Lambda's Python runtimes have
    them (none where the layout mounts no runtime: plain processes see the host's).
    Looked up once: find_spec scans sys.path (1-7 ms), and every isolated Python cold
    start asks."""
    binds: list[tuple[str, str]] = []
    for name in PYTHON_SDK:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        path = Path(spec.origin)
        src = path.parent if path.name == "__init__.py" else path
        binds += layout.runtime(src, src.name)[1]
    return tuple(binds)


def launch_for(
    runtime: str, executable: str, code_dir: Path, opt_dir: Path | None, layout: Layout
) -> Launch:
    """The exec line, mounts and variables of `runtime`, with paths as `layout` has them
    inside (isolated: code at /var/task, layers at /opt, our runtimes under /var/runtime)."""
    if runtime.startswith("python"):
        env = {} if layout.runtime_root is None else {"PYTHONPATH": layout.runtime_root}
        return Launch(ro_binds=python_sdk(layout), env=env)
    if runtime.startswith("nodejs"):
        inside, binds = layout.runtime(NODE_BOOTSTRAP.parent, "node")
        prefix = str(Path(executable).parent.parent)
        if binds and not prefix.startswith("/usr"):
            binds += ((prefix, prefix),)  # e.g. an nvm installation, at its own path
        return Launch([executable, f"{inside}/{NODE_BOOTSTRAP.name}"], binds)
    # provided.*: the package's `bootstrap`, else a layer's (Lambda looks in both).
    if (code_dir / "bootstrap").exists() or opt_dir is None:
        return Launch([f"{layout.task(code_dir)}/bootstrap"])
    return Launch([f"{layout.opt(opt_dir)}/bootstrap"])
